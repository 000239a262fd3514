"""Validate and normalise uploaded images (photos, logos)."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from kindred.core.errors import KindredError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
MAX_PIXELS = 40_000_000
MAX_SIDE = 800


class ImageError(KindredError):
    pass


def normalise_image(upload: UploadedFile, *, field: str) -> ContentFile:
    """Return the upload re-encoded without metadata, at most MAX_SIDE pixels wide.

    Raise ImageError, naming `field`, for a file that is too big, not an image, or
    an image of a type that is not allowed. The check reads the content, never
    trusts the file name.
    """
    limit = settings.KINDRED_MAX_IMAGE_BYTES
    if upload.size and upload.size > limit:
        raise ImageError(
            _("The image is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            field=field,
        )
    try:
        upload.seek(0)
        image = Image.open(upload)
        fmt = image.format or ""
        if fmt not in ALLOWED_FORMATS:
            raise ImageError(
                _("Upload a JPEG, PNG, WebP or GIF image (this file is %(fmt)s).")
                % {"fmt": fmt or _("not an image")},
                field=field,
            )
        if image.width * image.height > MAX_PIXELS:
            raise Image.DecompressionBombError  # checked before decoding a pixel
        image.load()
    except Image.DecompressionBombError:
        raise ImageError(
            _(
                "The image has too many pixels (at most %(limit)s million). "
                "Make it smaller and upload it again."
            )
            % {"limit": MAX_PIXELS // 1_000_000},
            field=field,
        ) from None
    except (UnidentifiedImageError, OSError):
        raise ImageError(
            _(
                "This file is not an image we can read. "
                "Upload a JPEG, PNG, WebP or GIF."
            ),
            field=field,
        ) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if fmt == "JPEG" or image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGB")
        fmt = "JPEG"
    # Re-encoding drops EXIF (GPS positions included); comments, text chunks and
    # XMP that Pillow would carry over from `info` are dropped here.
    image.info = {k: v for k, v in image.info.items() if k == "transparency"}
    image.save(out, format=fmt)
    return ContentFile(out.getvalue(), name=f"image.{ALLOWED_FORMATS[fmt]}")
