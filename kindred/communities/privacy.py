"""Personal data of communities: group memberships, threads and replies, follows,
library files a person uploaded and their "useful" votes.

Erasure ends memberships and follows, deletes uploaded files (and their library
entries); threads and replies stay, shown as by "Former member".
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import (
    Provider,
    delete_files_on_commit,
    register,
    rows,
)


def _export(person: Any) -> dict[str, Any]:
    from kindred.communities.models import (
        Group,
        Membership,
        Reply,
        Resource,
        Thread,
        ThreadFollow,
        UsefulVote,
    )

    return {
        "groups_you_started": rows(
            Group.objects.filter(created_by=person), "name", "created_at"
        ),
        "memberships": rows(
            Membership.objects.filter(user=person),
            "group__name",
            "role",
            "status",
            "message",
            "joined_at",
            "left_at",
        ),
        "threads": rows(
            Thread.objects.filter(author=person),
            "group__name",
            "title",
            "body",
            "created_at",
        ),
        "replies": rows(
            Reply.objects.filter(author=person), "thread__title", "body", "created_at"
        ),
        "follows": rows(
            ThreadFollow.objects.filter(user=person), "thread__title", "following"
        ),
        "library_items": rows(
            Resource.objects.filter(added_by=person),
            "group__name",
            "kind",
            "title",
            "description",
            "url",
            "original_name",
            "created_at",
        ),
        "useful_votes": rows(
            UsefulVote.objects.filter(user=person), "resource__title", "created_at"
        ),
    }


def _erase(person: Any) -> None:
    from kindred.communities.models import Membership, Resource, ThreadFollow

    Membership.objects.filter(user=person).delete()
    ThreadFollow.objects.filter(user=person).delete()
    files = Resource.objects.filter(added_by=person, kind=Resource.Kind.FILE)
    delete_files_on_commit("private", list(files.values_list("file_name", flat=True)))
    files.delete()


register(
    Provider(
        key="communities.groups",
        label=_("Groups, discussions and library files"),
        models=(
            "communities.group",
            "communities.membership",
            "communities.thread",
            "communities.reply",
            "communities.threadfollow",
            "communities.resource",
            "communities.usefulvote",
        ),
        export=_export,
        erase=_erase,
    )
)
