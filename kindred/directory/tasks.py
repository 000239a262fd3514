"""Background work of the directory: imports, exports, review reminders."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from kindred.directory import exporter, importer
from kindred.directory.models import DirectoryJob
from kindred.notifications.services import notify


def _progress(job_id: int):  # type: ignore[no-untyped-def]
    def report(done: int, total: int) -> None:
        DirectoryJob.objects.filter(pk=job_id).update(done=done, total=total)

    return report


def _finish(job: DirectoryJob, status: str, message: str) -> None:
    job.status = status
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at", "report", "file", "done", "total"])
    notify(
        job.started_by,
        kind="directory.import_finished",
        message=message,
        url=reverse("directory:steward_job", args=[job.pk]),
    )


@contextmanager
def _failing_job(job: DirectoryJob) -> Iterator[None]:
    """An unexpected error ends the job as failed (and still fails the task)."""
    try:
        yield
    except Exception:
        job.report = {"ok": False, "errors": [_("Unexpected error; nothing changed.")]}
        _finish(job, DirectoryJob.Status.FAILED, _("A directory job failed."))
        raise


@task()
def run_import(job_id: int) -> None:
    """Import a steward's upload; all or nothing. Safe to run again."""
    job = DirectoryJob.objects.select_related("started_by").get(pk=job_id)
    if job.status in (DirectoryJob.Status.DONE, DirectoryJob.Status.FAILED):
        return
    DirectoryJob.objects.filter(pk=job_id).update(status=DirectoryJob.Status.RUNNING)
    with _failing_job(job), tempfile.TemporaryDirectory() as folder:
        local = Path(folder) / Path(job.file_name).name
        with job.file.open("rb") as source, local.open("wb") as target:
            shutil.copyfileobj(source, target)
        report = importer.import_path(
            local, by=job.started_by, dry_run=job.dry_run, progress=_progress(job_id)
        )
    job.refresh_from_db(fields=["done", "total"])
    job.report = report.as_json()
    job.file.delete(save=False)  # the report stays; the uploaded data need not
    if report.ok:
        message = (
            _("The check of %(file)s found no problems.")
            if job.dry_run
            else _("%(file)s was imported.")
        ) % {"file": job.file_name}
        _finish(job, DirectoryJob.Status.DONE, message)
    else:
        message = _("%(file)s has %(count)d problems; nothing was imported.") % {
            "file": job.file_name,
            "count": len(report.errors),
        }
        _finish(job, DirectoryJob.Status.FAILED, message)


@task()
def run_export(job_id: int) -> None:
    """Write the directory as HSDS JSON and tabular data package, zipped."""
    job = DirectoryJob.objects.select_related("started_by").get(pk=job_id)
    if job.status == DirectoryJob.Status.DONE:
        return
    DirectoryJob.objects.filter(pk=job_id).update(status=DirectoryJob.Status.RUNNING)
    with _failing_job(job), tempfile.TemporaryDirectory() as folder:
        exporter.export(Path(folder) / "hsds", progress=_progress(job_id))
        archive = shutil.make_archive(
            str(Path(folder) / "export"), "zip", folder, "hsds"
        )
        job.refresh_from_db(fields=["done", "total"])
        with open(archive, "rb") as handle:
            job.file.save(job.file_name, File(handle), save=False)
    job.report = {"ok": True}
    _finish(
        job, DirectoryJob.Status.DONE, _("The directory export is ready to download.")
    )


@task()
def flag_stale_services() -> None:
    from kindred.directory import services

    with transaction.atomic():
        services.flag_stale_services()
