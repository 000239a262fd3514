"""Every model holding personal data is covered by a provider of
kindred.core.personal_data, and each provider's export really holds a seeded
person's records."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models

from kindred.core.personal_data import providers
from kindred.privacy.selectors import build_export

PERSONAL_FIELD_WORDS = ("email", "name", "phone", "address", "notes", "body", "text")

# Models that match the rule but hold no personal data, and why.
NOT_PERSONAL = {
    "auth.group": "permission groups, named by staff",
    "auth.permission": "permission names",
    "contenttypes.contenttype": "model names",
    "core.topic": "shared vocabulary",
    "core.region": "shared vocabulary",
    "core.sector": "shared vocabulary",
    "directory.location": "an organisation's premises",
    "directory.serviceatlocation": "links services to premises",
    "directory.organisationrecord": "HSDS identifiers of organisations",
    "collaboration.storycredit": "organisations credited on a story",
    "communities.group": "covered: groups a person started (listed for clarity)",
    "events.question": "questions an organiser asks, not answers",
    "learning.module": "course structure",
    "learning.lesson": "course content",
    "learning.question": "quiz questions",
    "learning.choice": "quiz choices",
    "programmes.instrument": "survey definitions",
    "programmes.scale": "survey definitions",
    "programmes.item": "survey questions, not answers",
    "programmes.cohort": "cohorts of a programme",
    "networking.programme": "covered (listed for clarity)",
    "mentoring.goal": "covered through pairs (listed for clarity)",
    "mentoring.milestone": "covered through pairs (listed for clarity)",
    "core.scheduledrun": "job names and times",
    "directory.directorysettings": "one switch",
    "organisations.organisation": "covered (organisations a person created)",
}


def _holds_personal_data(model: type[models.Model]) -> bool:
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for field in model._meta.get_fields():
        to_user = field.is_relation and field.related_model is user_model
        if to_user and (field.concrete or field.many_to_many):
            return True
        if (
            isinstance(field, models.Field)
            and not field.is_relation
            and any(word in field.name for word in PERSONAL_FIELD_WORDS)
        ):
            return True
    return model is user_model


def test_every_model_with_personal_data_has_a_provider():
    """A new model holding personal data must be exported and erased by a
    provider, or listed as not personal with a reason."""
    covered = {label.lower() for p in providers() for label in p.models}
    missing = [
        model._meta.label_lower
        for model in apps.get_models()
        if _holds_personal_data(model)
        and model._meta.label_lower not in covered
        and model._meta.label_lower not in NOT_PERSONAL
    ]
    assert missing == []


def test_the_rule_finds_personal_models():
    """The coverage rule is not vacuous: it flags the obvious ones."""
    flagged = {
        m._meta.label_lower for m in apps.get_models() if _holds_personal_data(m)
    }
    assert {"accounts.user", "referrals.referral", "peerhelp.ask"} <= flagged


def test_provider_keys_and_models_are_unique():
    keys = [p.key for p in providers()]
    assert len(keys) == len(set(keys))
    for provider in providers():
        for label in provider.models:
            app_label, _, name = label.partition(".")
            if apps.is_installed(f"django.contrib.{app_label}") or app_label:
                pass
            assert name, label


@pytest.fixture
def demo(db):
    call_command("demo", scale=12, seed=3, stdout=io.StringIO())
    from kindred.accounts.models import User

    return User.objects.get(email="founder@example.org")


def test_export_holds_the_persons_records(demo):
    """Spot checks: the founder's asks, referrals, registrations and profile are
    in their export; another person's email is not."""
    from kindred.peerhelp.models import Ask
    from kindred.referrals.models import Referral

    data = build_export(demo)
    sections = data["providers"]
    assert set(sections) == {p.key for p in providers()}
    account = sections["accounts.account"]["records"]
    assert account["account"]["email"] == "founder@example.org"
    assert account["profile"]["display_name"] == demo.profile.display_name
    asks = sections["peerhelp.asks"]["records"]["asks"]
    assert len(asks) == Ask.objects.filter(author=demo).count()
    assert {a["title"] for a in asks} == set(
        Ask.objects.filter(author=demo).values_list("title", flat=True)
    )
    about = sections["referrals.referrals"]["records"]["referrals_about_you"]
    assert len(about) == Referral.objects.filter(entrepreneur=demo).count()
    assert "steward@example.org" not in json.dumps(data)


def test_export_archive_has_json_and_escaped_summary(owner):
    from kindred.privacy.services import export_archive

    owner.profile.bio = "<script>alert(1)</script>"
    owner.profile.save()
    archive = zipfile.ZipFile(export_archive(owner, by=owner))
    assert sorted(archive.namelist()) == ["data.json", "summary.html"]
    data = json.loads(archive.read("data.json"))
    assert data["providers"]["accounts.account"]["records"]["profile"]["bio"] == (
        "<script>alert(1)</script>"
    )
    summary = archive.read("summary.html").decode()
    assert "<script>" not in summary
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary
