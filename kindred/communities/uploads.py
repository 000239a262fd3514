"""Which files a group library accepts, checked by their content, not their name.

A file is accepted when its extension is on the allow-list, it is not too large,
and its bytes are what the extension claims: a PDF starts with `%PDF-`, an image
opens in Pillow as that format, an Office document is a zip whose
`[Content_Types].xml` names the right main part, a text or CSV file is UTF-8
without NUL bytes.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.core.files.storage import storages
from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image

from kindred.core.errors import KindredError

if TYPE_CHECKING:
    from kindred.communities.models import Resource

_OFFICE = "application/vnd.openxmlformats-officedocument"


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    label: str


ALLOWED: dict[str, FileType] = {
    ft.extension: ft
    for ft in (
        FileType("pdf", "application/pdf", "PDF"),
        FileType("png", "image/png", "PNG"),
        FileType("jpg", "image/jpeg", "JPEG"),
        FileType("jpeg", "image/jpeg", "JPEG"),
        FileType("docx", f"{_OFFICE}.wordprocessingml.document", "Word"),
        FileType("xlsx", f"{_OFFICE}.spreadsheetml.sheet", "Excel"),
        FileType("pptx", f"{_OFFICE}.presentationml.presentation", "PowerPoint"),
        FileType("txt", "text/plain; charset=utf-8", "text"),
        FileType("csv", "text/csv; charset=utf-8", "CSV"),
    )
}

# The content type [Content_Types].xml gives the main part of each Office format.
_OFFICE_MAIN = {
    "docx": f"{_OFFICE}.wordprocessingml.document.main+xml",
    "xlsx": f"{_OFFICE}.spreadsheetml.sheet.main+xml",
    "pptx": f"{_OFFICE}.presentationml.presentation.main+xml",
}
_PILLOW_FORMAT = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG"}
_MAX_CONTENT_TYPES_BYTES = 1024 * 1024
_MAX_ZIP_ENTRIES = 20_000


def allowed_extensions() -> list[str]:
    return sorted(ALLOWED)


def max_bytes() -> int:
    return int(settings.KINDRED_MAX_RESOURCE_BYTES)


def check_upload(upload: IO[bytes], *, name: str, size: int, field: str) -> FileType:
    """Return the file's type; raise KindredError naming `field` if it is refused.

    `upload` is read from the start and left at the start.
    """
    extension = PurePath(name).suffix.lower().lstrip(".")
    file_type = ALLOWED.get(extension)
    if file_type is None:
        raise KindredError(
            _("“%(name)s” is not a type the library accepts. Upload one of: %(list)s.")
            % {"name": name, "list": ", ".join(allowed_extensions())},
            field=field,
        )
    if size <= 0:
        raise KindredError(_("“%(name)s” is empty.") % {"name": name}, field=field)
    if size > max_bytes():
        raise KindredError(
            _("“%(name)s” is larger than %(mb)s MB.")
            % {"name": name, "mb": round(max_bytes() / 1024 / 1024, 1)},
            field=field,
        )
    upload.seek(0)
    try:
        matches = _content_matches(upload, extension)
    except Exception:  # any parser failure means the content is not what it claims
        matches = False
    finally:
        upload.seek(0)
    if not matches:
        raise KindredError(
            _(
                "“%(name)s” is not a real %(label)s file: its content does not "
                "match its extension."
            )
            % {"name": name, "label": file_type.label},
            field=field,
        )
    return file_type


def _content_matches(upload: IO[bytes], extension: str) -> bool:
    if extension == "pdf":
        return upload.read(5) == b"%PDF-"
    if extension in _PILLOW_FORMAT:
        with Image.open(upload) as image:
            if image.format != _PILLOW_FORMAT[extension]:
                return False
            image.verify()
        return True
    if extension in _OFFICE_MAIN:
        return _office_matches(upload, _OFFICE_MAIN[extension])
    # txt, csv: UTF-8 text without NUL bytes
    data = upload.read(max_bytes() + 1)
    if b"\x00" in data:
        return False
    data.decode("utf-8")
    return True


def _office_matches(upload: IO[bytes], main_type: str) -> bool:
    if not zipfile.is_zipfile(upload):
        return False
    upload.seek(0)
    with zipfile.ZipFile(upload) as archive:
        if len(archive.infolist()) > _MAX_ZIP_ENTRIES:
            return False
        try:
            info = archive.getinfo("[Content_Types].xml")
        except KeyError:
            return False
        if info.file_size > _MAX_CONTENT_TYPES_BYTES:
            return False
        content_types = archive.read(info).decode("utf-8", errors="replace")
    return f'ContentType="{main_type}"' in content_types


def open_file(resource: Resource) -> IO[bytes]:
    """Open a file resource's stored content for reading."""
    return storages["private"].open(resource.file_name, "rb")


def download_response(resource: Resource) -> FileResponse:
    """The stored file as an attachment that browsers never render in place."""
    response = FileResponse(
        open_file(resource),
        as_attachment=True,
        filename=resource.original_name,
        content_type=resource.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
