"""Certificates as PDF, drawn by WeasyPrint from a Django template.

WeasyPrint takes about a second to import, so it is imported only when a
certificate is rendered; nothing is fetched from the network while rendering.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from kindred.learning.models import Certificate


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"Certificates load nothing from outside: {url}")


def render_certificate(certificate: Certificate) -> bytes:
    """Return the certificate as PDF bytes."""
    from weasyprint import HTML  # slow to import: only when needed

    html = render_to_string(
        "learning/certificate_pdf.html", {"certificate": certificate}
    )
    document = HTML(string=html, url_fetcher=_no_fetch, base_url="about:blank")
    pdf: bytes = document.write_pdf()
    return pdf
