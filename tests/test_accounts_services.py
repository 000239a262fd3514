"""Profiles: editing, sanitising, photos, visibility and tokens."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kindred.accounts import selectors, services
from kindred.accounts.models import ApiToken, Profile, Visibility
from kindred.core.errors import NotAllowed
from kindred.core.models import AuditEntry


def image_upload(fmt: str = "PNG", size=(40, 30), name="me.png", exif=False):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, "teal")
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        kwargs["exif"] = data.tobytes()
    image.save(buffer, format=fmt, **kwargs)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_owner_updates_profile_fields_topics_and_visibility(owner, topics):
    profile = services.update_profile(
        owner.profile,
        by=owner,
        display_name="Olive O.",
        headline="Founder of a bakery",
        stage="growing",
        topics_offered=[topics["pricing"]],
        topics_needed=[topics["mindfulness"]],
        languages=["en", "cy", "en"],
        region_visibility=Visibility.ONLY_ME,
    )
    profile.refresh_from_db()
    assert profile.display_name == "Olive O."
    assert profile.stage == "growing"
    assert list(profile.topics_needed.all()) == [topics["mindfulness"]]
    assert profile.languages == ["en", "cy"]
    assert profile.region_visibility == Visibility.ONLY_ME
    assert AuditEntry.objects.filter(action="profile.updated").count() == 1


def test_nobody_edits_someone_elses_profile(owner, outsider):
    """Another member cannot change a profile; nothing changes."""
    with pytest.raises(NotAllowed):
        services.update_profile(owner.profile, by=outsider, headline="hacked")
    owner.profile.refresh_from_db()
    assert owner.profile.headline == ""


def test_script_in_bio_is_refused_with_a_clear_message(owner):
    with pytest.raises(services.ProfileError) as error:
        services.update_profile(
            owner.profile, by=owner, headline="New", bio="Hi <script>alert(1)</script>"
        )
    assert "<script>" in error.value.message
    assert error.value.field == "bio"
    owner.profile.refresh_from_db()
    assert owner.profile.headline == ""  # nothing stored half-way


def test_event_handler_attribute_in_bio_is_refused(owner):
    with pytest.raises(services.ProfileError):
        services.update_profile(owner.profile, by=owner, bio='<b onclick="x()">hi</b>')


def test_markdown_bio_renders_sanitised(owner, colleague):
    services.update_profile(
        owner.profile, by=owner, bio="**Bold** and [a](https://x.org)"
    )
    card = selectors.visible_profile(Profile.objects.get(user=owner), colleague)
    assert "<strong>Bold</strong>" in card.bio_html
    assert 'rel="nofollow noopener ugc"' in card.bio_html


def test_photo_is_re_encoded_without_metadata(owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    services.update_profile(
        owner.profile, by=owner, photo=image_upload(fmt="JPEG", exif=True)
    )
    owner.profile.refresh_from_db()
    with owner.profile.photo.open("rb") as stored:
        image = Image.open(stored)
        assert image.format == "JPEG"
        assert not image.getexif()


def test_a_file_that_is_not_an_image_is_refused(owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile(
        "photo.png", b"<?php echo 1; ?>", content_type="image/png"
    )
    with pytest.raises(services.ProfileError.__mro__[1]) as error:
        services.update_profile(owner.profile, by=owner, headline="x", photo=fake)
    assert "not an image" in error.value.message
    owner.profile.refresh_from_db()
    assert not owner.profile.photo and owner.profile.headline == ""
    assert not any(tmp_path.rglob("*.*"))


def test_an_oversized_photo_is_refused(owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.KINDRED_MAX_IMAGE_BYTES = 100
    with pytest.raises(Exception) as error:
        services.update_profile(
            owner.profile, by=owner, photo=image_upload(size=(300, 300))
        )
    assert "limit" in str(error.value)
    assert not any(tmp_path.rglob("*.*"))


def test_completeness_names_what_is_missing_and_why(owner):
    result = selectors.profile_completeness(owner.profile)
    assert result.percent == 0
    labels = [label for label, _why in result.missing]
    assert "Headline" in labels
    assert all(why for _label, why in result.missing)
    services.update_profile(owner.profile, by=owner, headline="Baker")
    assert selectors.profile_completeness(owner.profile).percent > 0


def test_token_is_stored_hashed_and_shown_once(owner):
    token, raw = services.create_api_token(by=owner, name="CRM sync")
    assert raw.startswith("kdr_")
    assert raw not in token.key_hash and token.prefix in raw
    assert ApiToken.find_active(raw) == token
    services.revoke_api_token(token, by=owner)
    assert ApiToken.find_active(raw) is None


def test_a_token_needs_a_name(owner):
    with pytest.raises(services.ProfileError):
        services.create_api_token(by=owner, name="  ")
    assert not ApiToken.objects.exists()


def test_nobody_revokes_someone_elses_token(owner, outsider):
    token, raw = services.create_api_token(by=owner, name="mine")
    with pytest.raises(NotAllowed):
        services.revoke_api_token(token, by=outsider)
    assert ApiToken.find_active(raw) == token
