"""Fetch a link preview (title, description, site name) safely, on the server.

A member's link makes the server open a connection, so every fetch is guarded
against server-side request forgery: only http and https; the host name is
resolved here and every address must be public (no private, loopback,
link-local, multicast, reserved or unspecified address); the connection goes to
the address that was checked, so a second DNS answer cannot swap it; each
redirect is checked the same way; the whole fetch has one deadline and reads at
most KINDRED_LINK_PREVIEW_MAX_BYTES. What comes back is parsed with the standard
library's HTML parser and kept as short plain text.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.conf import settings

MAX_REDIRECTS = 3
USER_AGENT = "KindredLinkPreview/1.0 (+https://kindred.invalid/preview)"
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")


class PreviewUnavailable(Exception):
    """No preview for this link; the reason is for logs, not for people."""


class AddressRefused(PreviewUnavailable):
    """The link points at an address the server must not reach."""


@dataclass(frozen=True)
class LinkPreview:
    title: str
    description: str
    site_name: str


def check_link(url: str) -> str:
    """Return `url` if it is a well-formed http(s) address; raise ValueError.

    This checks the shape only; addresses are checked when the preview is fetched.
    """
    if not url or len(url) > 500 or _CONTROL.search(url) or " " in url:
        raise ValueError("Give a web address of at most 500 characters.")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("Give an address starting with https:// or http://.")
    if parts.username or parts.password:
        raise ValueError("The address must not contain a user name or password.")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ValueError("The address has an invalid port.") from None
    return url


def address_allowed(address: str) -> bool:
    """Whether the server may connect to the IP `address`."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return bool(getattr(settings, "KINDRED_LINK_PREVIEW_ALLOW_LOOPBACK", False))
    return ip.is_global and not (
        ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def resolve(host: str, port: int) -> str:
    """Return one checked address of `host`; refuse if any of its addresses is not
    public (a name that also points inward is not trusted)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise PreviewUnavailable(f"cannot resolve {host!r}: {error}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise PreviewUnavailable(f"{host!r} has no address")
    refused = [a for a in addresses if not address_allowed(a)]
    if refused:
        raise AddressRefused(f"{host!r} resolves to a refused address {refused[0]}")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to a checked address while naming the original host."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _MetaParser(HTMLParser):
    """Collect og:title, og:description, og:site_name, the description meta and
    the <title> text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title_parts: list[str] = []
        self._in_title = False
        self._title_done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title" and not self._title_done:
            self._in_title = True
        elif tag == "meta":
            values = {k.lower(): (v or "") for k, v in attrs}
            key = (values.get("property") or values.get("name") or "").lower()
            if key in ("og:title", "og:description", "og:site_name", "description"):
                self.meta.setdefault(key, values.get("content", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self._title_done = True

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)


def plain(text: str, limit: int) -> str:
    """Plain, single-line text of at most `limit` characters."""
    text = _SPACES.sub(" ", _CONTROL.sub(" ", text or "")).strip()
    # A preview is shown as text, never as markup: drop angle brackets outright.
    text = text.replace("<", "").replace(">", "")
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def parse(html: str, *, fallback_site: str = "") -> LinkPreview:
    """Read a preview out of an HTML document."""
    parser = _MetaParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001, S110 - a broken page still yields what it had
        pass
    title = parser.meta.get("og:title") or "".join(parser.title_parts)
    description = parser.meta.get("og:description") or parser.meta.get(
        "description", ""
    )
    site_name = parser.meta.get("og:site_name") or fallback_site
    return LinkPreview(
        title=plain(title, 300),
        description=plain(description, 1000),
        site_name=plain(site_name, 200),
    )


def _read(
    response: http.client.HTTPResponse,
    sock: socket.socket | None,
    *,
    limit: int,
    deadline: float,
) -> bytes:
    """Read at most `limit` bytes before `deadline`, however slowly they drip."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise PreviewUnavailable("the page took too long")
        if sock is not None:
            sock.settimeout(remaining)
        chunk = response.read1(min(16_384, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def fetch(url: str) -> LinkPreview:
    """Fetch `url` and return its preview; raise PreviewUnavailable otherwise."""
    timeout = float(settings.KINDRED_LINK_PREVIEW_TIMEOUT)
    limit = int(settings.KINDRED_LINK_PREVIEW_MAX_BYTES)
    deadline = time.monotonic() + timeout
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            check_link(url)
        except ValueError as error:
            raise PreviewUnavailable(str(error)) from None
        parts = urlsplit(url)
        host = parts.hostname or ""
        https = parts.scheme.lower() == "https"
        port = parts.port or (443 if https else 80)
        address = resolve(host, port)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise PreviewUnavailable("the page took too long")
        connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
        connection = connection_class(host, port, address=address, timeout=remaining)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        try:
            connection.request(
                "GET",
                target,
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "text/html,application/xhtml+xml;q=0.9",
                    "Accept-Encoding": "identity",
                },
            )
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location", "")
                if not location:
                    raise PreviewUnavailable("a redirect without a Location")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise PreviewUnavailable(f"the page answered {response.status}")
            content_type = response.getheader("Content-Type", "") or ""
            media_type = content_type.split(";", 1)[0].strip().lower()
            if media_type not in _HTML_TYPES:
                raise PreviewUnavailable(f"not an HTML page ({media_type or '?'})")
            length = response.getheader("Content-Length", "")
            if length.isdigit() and int(length) > limit:
                raise PreviewUnavailable("the page is too large")
            body = _read(response, connection.sock, limit=limit, deadline=deadline)
            charset = response.headers.get_content_charset() or "utf-8"
        except (OSError, http.client.HTTPException) as error:
            raise PreviewUnavailable(f"fetching failed: {error}") from None
        finally:
            connection.close()
        try:
            text = body.decode(charset, errors="replace")
        except LookupError:
            text = body.decode("utf-8", errors="replace")
        preview = parse(text, fallback_site=host)
        if not (preview.title or preview.description):
            raise PreviewUnavailable("the page has no title or description")
        return preview
    raise PreviewUnavailable("too many redirects")
