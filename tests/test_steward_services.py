"""Stewards curate the taxonomy and can suspend accounts."""

from __future__ import annotations

import pytest

from kindred.accounts.services import reinstate_user, suspend_user
from kindred.core import services
from kindred.core.errors import NotAllowed
from kindred.core.models import AuditEntry, Topic


def test_steward_adds_and_renames_a_topic(steward):
    topic = services.save_topic(None, by=steward, name="Crowdfunding")
    assert topic.slug == "crowdfunding"
    services.save_topic(
        topic, by=steward, name="Crowdfunding campaigns", is_active=False
    )
    topic.refresh_from_db()
    assert topic.name == "Crowdfunding campaigns" and not topic.is_active


def test_duplicate_topic_name_is_refused(steward):
    with pytest.raises(services.TaxonomyError):
        services.save_topic(None, by=steward, name="mindfulness")


def test_member_cannot_change_the_taxonomy(outsider):
    count = Topic.objects.count()
    with pytest.raises(NotAllowed):
        services.save_topic(None, by=outsider, name="Spam")
    assert Topic.objects.count() == count


def test_suspension_blocks_login_and_is_audited(client, steward, outsider):
    suspend_user(outsider, by=steward, reason="Repeated spam")
    outsider.refresh_from_db()
    assert not outsider.is_active and outsider.suspended_at
    assert not client.login(email=outsider.email, password="correct-horse-battery")
    assert AuditEntry.objects.filter(action="user.suspended").exists()
    reinstate_user(outsider, by=steward)
    assert client.login(email=outsider.email, password="correct-horse-battery")


def test_member_cannot_suspend(outsider, owner):
    with pytest.raises(NotAllowed):
        suspend_user(owner, by=outsider, reason="no")
    owner.refresh_from_db()
    assert owner.is_active
