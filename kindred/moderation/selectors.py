"""Reads of the moderation domain: the stewards' queue and a content's history."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Count, Min

from kindred.accounts.models import User
from kindred.moderation import registry
from kindred.moderation.models import Decision, Reason, Report


@dataclass
class QueueItem:
    """One piece of reported content with its open reports."""

    key: str
    object_id: int
    report_count: int
    first_reported_at: datetime
    entry: registry.Moderated | None = None
    obj: models.Model | None = None
    reports: list[Report] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return self.obj is not None and self.entry is not None

    @property
    def label(self) -> str:
        return str(self.entry.label) if self.entry else self.key

    @property
    def title(self) -> str:
        if not self.exists:
            return ""
        return self.entry.title(self.obj)  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        if not self.exists:
            return ""
        return self.entry.url(self.obj)  # type: ignore[union-attr]

    @property
    def author(self) -> User | None:
        if not self.exists:
            return None
        return self.entry.author(self.obj)  # type: ignore[union-attr]

    @property
    def is_hidden(self) -> bool | None:
        if not self.exists or self.entry.is_hidden is None:  # type: ignore[union-attr]
            return None
        return self.entry.is_hidden(self.obj)  # type: ignore[union-attr]

    @property
    def reasons(self) -> list[tuple[str, int]]:
        labels = dict(Reason.choices)
        counts = Counter(report.reason for report in self.reports)
        return [(str(labels.get(code, code)), n) for code, n in counts.most_common()]


def open_report_groups() -> models.QuerySet[Any]:
    """Open reports grouped by content, oldest first: dicts for a paginator."""
    return (
        Report.objects.open()
        .values("content_type", "object_id")
        .annotate(report_count=Count("id"), first_reported_at=Min("created_at"))
        .order_by("first_reported_at", "content_type", "object_id")
    )


def fill_queue_items(rows: list[dict[str, Any]]) -> list[QueueItem]:
    """Turn grouped rows into queue items: one query per content type, one for
    the reports, whatever the number of rows."""
    items: list[QueueItem] = []
    by_type: dict[int, list[QueueItem]] = defaultdict(list)
    for row in rows:
        content_type = ContentType.objects.get_for_id(row["content_type"])
        item = QueueItem(
            key=f"{content_type.app_label}.{content_type.model}",
            object_id=row["object_id"],
            report_count=row["report_count"],
            first_reported_at=row["first_reported_at"],
        )
        items.append(item)
        by_type[row["content_type"]].append(item)
    for typed in by_type.values():
        try:
            entry = registry.get(typed[0].key)
        except LookupError:
            continue
        objects = entry.objects().in_bulk([item.object_id for item in typed])
        for item in typed:
            item.entry = entry
            item.obj = objects.get(item.object_id)
    if items:
        condition = models.Q()
        for item_type, typed in by_type.items():
            condition |= models.Q(
                content_type_id=item_type,
                object_id__in=[item.object_id for item in typed],
            )
        reports = (
            Report.objects.open().filter(condition).select_related("reporter__profile")
        )
        grouped: dict[tuple[int, int], list[Report]] = defaultdict(list)
        for report in reports:
            grouped[(report.content_type_id, report.object_id)].append(report)
        for item_type, typed in by_type.items():
            for item in typed:
                item.reports = grouped.get((item_type, item.object_id), [])
    return items


def queue_page(page_number: Any, *, per_page: int = 20) -> tuple[Page, list[QueueItem]]:
    """One page of the queue and its items."""
    page = Paginator(open_report_groups(), per_page).get_page(page_number)
    return page, fill_queue_items(list(page.object_list))


def queue_item(obj: models.Model) -> QueueItem:
    """The queue item of one piece of content (with no open report, count 0)."""
    content_type = ContentType.objects.get_for_model(obj)
    reports = list(
        Report.objects.open()
        .filter(content_type=content_type, object_id=obj.pk)
        .select_related("reporter__profile")
    )
    item = QueueItem(
        key=obj._meta.label_lower,
        object_id=obj.pk,
        report_count=len(reports),
        first_reported_at=reports[0].created_at if reports else None,  # type: ignore[arg-type]
        entry=registry.for_object(obj),
        obj=obj,
        reports=reports,
    )
    return item


def decisions_about(obj: models.Model) -> models.QuerySet[Decision]:
    content_type = ContentType.objects.get_for_model(obj)
    return Decision.objects.filter(
        content_type=content_type, object_id=obj.pk
    ).select_related("steward__profile", "author__profile")


def recent_decisions(limit: int = 10) -> models.QuerySet[Decision]:
    return Decision.objects.select_related("steward__profile", "content_type")[:limit]
