"""Personal data no single app owns: finished background-task results (they may
carry addresses) and accounts dormant past their retention period."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, register


def _export(person: Any) -> dict[str, Any]:
    return {}  # task results carry no record a person would recognise as theirs


def _erase(person: Any) -> None:
    """The final sweep scrubs the person's address from task arguments."""


def _purge_task_results(cutoff: datetime) -> int:
    from django.apps import apps

    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")  # noqa: N806
    deleted, _n = DBTaskResult.objects.filter(
        finished_at__isnull=False, finished_at__lt=cutoff
    ).delete()
    return deleted


def _purge_dormant_accounts(cutoff: datetime) -> int:
    from kindred.accounts.models import User
    from kindred.privacy.services import erase_dormant

    dormant = (
        User.objects.filter(is_steward=False, is_superuser=False, is_staff=False)
        .exclude(email__endswith="@erased.invalid")
        .filter(
            Q(last_login__lt=cutoff)
            | Q(last_login__isnull=True, date_joined__lt=cutoff)
        )
    )
    count = 0
    for person in dormant.select_related("profile"):
        erase_dormant(person)
        count += 1
    return count


register(
    Provider(
        key="privacy.system",
        label=_("Background work"),
        models=("django_tasks_database.dbtaskresult",),
        export=_export,
        erase=_erase,
        retention={
            "task_results": _purge_task_results,
            "dormant_accounts": _purge_dormant_accounts,
        },
    )
)
