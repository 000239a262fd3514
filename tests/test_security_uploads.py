"""Uploads: types checked by content, size and pixel caps, images re-encoded
without metadata, no SVG or HTML, private files only through checked views.

(Group library files — PDF, Office, text — are checked the same way in
kindred/communities/uploads.py; see tests/test_communities*.py.)"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse
from PIL import Image

from kindred.accounts import services
from kindred.accounts.forms import ProfileForm
from kindred.core.images import ImageError, normalise_image

GPS = 0x8825


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "teal")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # camera make
    exif[GPS] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"secret comment")
    data = out.getvalue()
    reopened = Image.open(io.BytesIO(data))
    assert reopened.getexif().get_ifd(GPS)  # the fixture really carries a position
    return data


def png_bytes(size=(32, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "orange").save(out, format="PNG")
    return out.getvalue()


def huge_png(width: int, height: int) -> bytes:
    """A tiny file claiming a huge canvas (a pixel flood), built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", data)
        + chunk(b"IEND", b"")
    )


def upload(name: str, data: bytes, content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
    b'onload="alert(1)"><script>alert(2)</script><rect width="10" height="10"/></svg>'
)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body>"


def test_exif_and_gps_are_stripped():
    stored = normalise_image(upload("me.jpg", jpeg_with_gps(), "image/jpeg"), field="p")
    image = Image.open(io.BytesIO(stored.read()))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert "comment" not in image.info and "exif" not in image.info
    stored.seek(0)
    assert b"SpyCam" not in stored.read()


def test_a_polyglot_png_carrying_html_is_re_encoded_harmless():
    polyglot = png_bytes() + HTML
    assert Image.open(io.BytesIO(polyglot)).format == "PNG"  # a real PNG...
    stored = normalise_image(upload("me.png", polyglot), field="photo").read()
    assert b"<script" not in stored and b"<html" not in stored  # ...re-encoded


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("logo.svg", SVG, "image/svg+xml"),
        ("photo.png", SVG, "image/png"),  # an SVG renamed
        ("photo.jpg", HTML, "image/jpeg"),  # an HTML page renamed
        ("page.html", HTML, "text/html"),
        ("photo.gif", b"GIF89a" + HTML, "image/gif"),  # a fake magic number
    ],
)
def test_svg_html_and_renamed_files_are_refused(name, data, content_type):
    with pytest.raises(ImageError) as error:
        normalise_image(upload(name, data, content_type), field="photo")
    assert "not an image" in error.value.message
    assert error.value.field == "photo"


def test_an_allowed_image_of_a_disallowed_type_is_refused():
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="BMP")
    with pytest.raises(ImageError, match="JPEG, PNG, WebP or GIF"):
        normalise_image(upload("photo.png", out.getvalue()), field="photo")


@pytest.mark.parametrize(("width", "height"), [(20_000, 20_000), (100_000, 100_000)])
def test_a_pixel_flood_is_refused_with_a_clear_message(width, height):
    data = huge_png(width, height)
    assert len(data) < 100_000  # small on disk, huge in memory
    with pytest.raises(ImageError, match="too many pixels"):
        normalise_image(upload("flood.png", data), field="photo")


def test_a_file_over_the_size_cap_is_refused(settings):
    settings.KINDRED_MAX_IMAGE_BYTES = 1000
    with pytest.raises(ImageError, match="limit"):
        normalise_image(upload("big.png", png_bytes((400, 400))), field="photo")


def test_large_images_are_scaled_down():
    stored = normalise_image(upload("big.png", png_bytes((2000, 1000))), field="p")
    assert max(Image.open(stored).size) <= 800


def _profile_post(profile, **overrides):
    form = ProfileForm(instance=profile, initial={"languages": profile.languages})
    data = {}
    for field in form:
        value = field.value()
        if value is None or field.name == "photo":
            continue
        data[field.name] = value
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_profile_page_refuses_an_svg_and_keeps_nothing(
    client, owner, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(owner)
    data = _profile_post(owner.profile, headline="Changed")
    data["photo"] = upload("me.svg", SVG, "image/svg+xml")
    response = client.post(reverse("accounts:profile_edit"), data)
    assert response.status_code == 400
    assert "not an image" in response.content.decode()
    owner.profile.refresh_from_db()
    assert not owner.profile.photo and owner.profile.headline == ""
    assert not any(tmp_path.rglob("*.*"))


@pytest.mark.django_db
def test_the_profile_page_stores_a_photo_without_its_position(
    client, owner, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(owner)
    data = _profile_post(owner.profile)
    data["photo"] = upload("me.jpg", jpeg_with_gps(), "image/jpeg")
    response = client.post(reverse("accounts:profile_edit"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    owner.profile.refresh_from_db()
    with owner.profile.photo.open("rb") as stored:
        content = stored.read()
    assert b"SpyCam" not in content
    assert not Image.open(io.BytesIO(content)).getexif()


@pytest.mark.django_db
def test_a_private_photo_is_served_only_through_the_checked_view(
    client, owner, outsider, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    services.update_profile(
        owner.profile,
        by=owner,
        photo=upload("me.png", png_bytes()),
        photo_visibility="only_me",
    )
    url = reverse("members:photo", args=[owner.profile.pk])
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "private" in response["Cache-Control"]
    # No address serves the upload folder directly (DEBUG is off).
    with pytest.raises(Resolver404):
        resolve("/media/" + owner.profile.photo.name)
