"""Writes of the moderation domain: reports and stewards' decisions.

Each function is one use case: it checks permission, changes the rows, writes
the audit entry and tells the people concerned.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kindred.accounts.models import User
from kindred.accounts.permissions import require_steward
from kindred.accounts.services import suspend_user
from kindred.core import audit
from kindred.core.errors import NotAllowed
from kindred.moderation import registry
from kindred.moderation.errors import AlreadyReported, ModerationError
from kindred.moderation.models import Decision, Reason, Report
from kindred.notifications.services import notify, notify_many

Action = Decision.Action

OUTCOMES = {
    Action.HIDE: gettext_lazy("a steward hid it"),
    Action.WARN: gettext_lazy("a steward warned its author"),
    Action.SUSPEND: gettext_lazy("a steward suspended its author"),
    Action.DISMISS: gettext_lazy("a steward looked at it and left it as it is"),
    Action.RESTORE: gettext_lazy("a steward restored it"),
}


def _queue_url() -> str:
    from django.urls import reverse

    return reverse("moderation:index")


@transaction.atomic
def report_content(
    obj: models.Model, *, by: User, reason: str, note: str = ""
) -> Report:
    """Report `obj` to the stewards.

    Precondition: `by` may see `obj` (callers get it from get_reportable_for_user).
    Raise AlreadyReported when `by` has an open report about it already.
    """
    entry = registry.for_object(obj)
    if not by.is_authenticated or not entry.can_see(by, obj):
        raise NotAllowed(_("You cannot report this."))
    if reason not in Reason.values:
        raise ModerationError(_("Choose a reason."), field="reason")
    note = (note or "").strip()
    if len(note) > 1000:
        raise ModerationError(_("Keep the note under 1000 characters."), field="note")
    if "\x00" in note:
        raise ModerationError(_("The note contains a null character."), field="note")
    if entry.author(obj) == by:
        raise ModerationError(_("You cannot report something you wrote."))
    content_type = ContentType.objects.get_for_model(obj)
    existing = Report.objects.open().filter(
        reporter=by, content_type=content_type, object_id=obj.pk
    )
    if existing.exists():
        raise AlreadyReported(
            _("You already reported this; a steward will look at it soon.")
        )
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=by,
                content_type=content_type,
                object_id=obj.pk,
                reason=reason,
                note=note,
            )
    except IntegrityError:
        raise AlreadyReported(
            _("You already reported this; a steward will look at it soon.")
        ) from None
    audit.record("moderation.reported", actor=by, target=obj, reason_code=reason)
    stewards = User.objects.filter(is_steward=True, is_active=True).exclude(pk=by.pk)
    notify_many(
        stewards,
        kind="moderation.reported",
        message=_("A member reported %(label)s “%(title)s”.")
        % {"label": entry.label, "title": entry.title(obj)},
        url=_queue_url(),
    )
    return report


@transaction.atomic
def decide(obj: models.Model, *, by: User, action: str, note: str = "") -> Decision:
    """Steward: act on `obj` (hide, restore, warn, suspend its author, dismiss).

    Open reports about `obj` are closed by every action but restore, and their
    reporters hear the outcome. Raise NotAllowed unless `by` is a steward with a
    second factor; ModerationError when the action does not fit the content.
    """
    require_steward(by)
    entry = registry.for_object(obj)
    if action not in Action.values:
        raise ModerationError(_("Choose an action."), field="action")
    note = (note or "").strip()
    if len(note) > 2000 or "\x00" in note:
        raise ModerationError(_("Keep the note under 2000 characters."), field="note")
    author = entry.author(obj)
    content_type = ContentType.objects.get_for_model(obj)
    open_reports = list(
        Report.objects.open()
        .filter(content_type=content_type, object_id=obj.pk)
        .select_for_update(of=("self",))
        .select_related("reporter")
    )
    hidden = entry.is_hidden(obj) if entry.is_hidden else None
    title = entry.title(obj)
    url = entry.url(obj)

    if action == Action.HIDE:
        if hidden:
            raise ModerationError(_("This is already hidden."))
        entry.hide(obj, by)
    elif action == Action.RESTORE:
        if hidden is False:
            raise ModerationError(_("This is not hidden."))
        entry.restore(obj, by)
    elif action in (Action.WARN, Action.SUSPEND):
        if author is None:
            raise ModerationError(_("This has no author to act on."))
        if not note:
            raise ModerationError(_("Write a note: the author reads it."), field="note")
        if action == Action.SUSPEND:
            if author.pk == by.pk:
                raise ModerationError(_("You cannot suspend yourself."))
            suspend_user(author, by=by, reason=note)
    elif action == Action.DISMISS and not open_reports:
        raise ModerationError(_("There is no open report to dismiss."))

    decision = Decision.objects.create(
        content_type=content_type,
        object_id=obj.pk,
        steward=by,
        author=author,
        action=action,
        note=note,
    )
    if action != Action.RESTORE and open_reports:
        Report.objects.filter(pk__in=[r.pk for r in open_reports]).update(
            status=Report.Status.DISMISSED
            if action == Action.DISMISS
            else Report.Status.ACTIONED,
            closed_at=timezone.now(),
            decision=decision,
        )
        reporters = {r.reporter_id: r.reporter for r in open_reports if r.reporter}
        notify_many(
            reporters.values(),
            kind="moderation.outcome",
            message=_("Thank you for your report about “%(title)s”: %(outcome)s.")
            % {"title": title, "outcome": OUTCOMES[action]},
        )
    if author is not None and author.pk != by.pk:
        _tell_author(author, action=action, title=title, url=url, note=note, by=by)
    audit.record(
        f"moderation.{action}",
        actor=by,
        target=obj,
        decision=decision.pk,
        reports=[r.pk for r in open_reports],
        note=note,
    )
    return decision


def _tell_author(
    author: User, *, action: str, title: str, url: str, note: str, by: User
) -> None:
    if action == Action.HIDE:
        message = _("A steward hid “%(title)s”.") % {"title": title}
        kind = "moderation.hidden"
    elif action == Action.RESTORE:
        message = _("A steward restored “%(title)s”.") % {"title": title}
        kind = "moderation.hidden"
    elif action == Action.WARN:
        message = _("A steward warns you about “%(title)s”:") % {"title": title}
        kind = "moderation.warning"
    else:
        return
    if note:
        message = f"{message} {note}"
    notify(author, kind=kind, message=message, url=url)
