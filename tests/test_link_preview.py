"""Link previews are fetched by the server safely: a local http.server in a thread
stands in for the web (no external network in tests)."""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kindred.insights import previews, services
from kindred.insights.models import Insight
from tests.conftest import make_person

PAGES: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/og": (
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        b"""<html><head><title>Fallback</title>
        <meta property="og:title" content="Cash flow &amp; you">
        <meta property="og:description" content="How to <b>invoice</b> early.">
        <meta property="og:site_name" content="Growth Hub">
        </head><body>x</body></html>""",
    ),
    "/title": (
        200,
        {"Content-Type": "text/html"},
        b"<html><head><title>\n  Plain   title\n</title></head></html>",
    ),
    "/script-title": (
        200,
        {"Content-Type": "text/html"},
        b'<html><head><meta property="og:title" content="<script>alert(1)</script>">'
        b"</head></html>",
    ),
    "/json": (200, {"Content-Type": "application/json"}, b'{"title": "no"}'),
    "/missing": (404, {"Content-Type": "text/html"}, b"<title>Not found</title>"),
    "/to-og": (302, {"Location": "/og"}, b""),
    "/to-private": (302, {"Location": "http://10.0.0.1/"}, b""),
    "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/"}, b""),
    "/loop": (302, {"Location": "/loop"}, b""),
    "/empty": (200, {"Content-Type": "text/html"}, b"<html><body>hi</body></html>"),
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        if self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(50):  # drips past the deadline
                try:
                    self.wfile.write(b"<!-- . -->")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)
            return
        if self.path.startswith("/huge"):
            declare = self.path == "/huge-declared"
            body = b"<html><head>" + b" " * (600 * 1024) + b"<title>Late</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            if declare:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(OSError):
                self.wfile.write(body)
            return
        status, headers, body = PAGES.get(self.path, (404, {}, b""))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def loopback(settings):
    settings.KINDRED_LINK_PREVIEW_ALLOW_LOOPBACK = True
    settings.KINDRED_LINK_PREVIEW_TIMEOUT = 1.0
    return settings


def test_og_tags_are_read_as_plain_text(server, loopback):
    preview = previews.fetch(server + "/og")
    assert preview.title == "Cash flow & you"
    assert preview.description == "How to binvoice/b early."
    assert preview.site_name == "Growth Hub"


def test_title_is_the_fallback_and_whitespace_is_collapsed(server, loopback):
    preview = previews.fetch(server + "/title")
    assert preview.title == "Plain title"
    assert preview.site_name == "127.0.0.1"


def test_markup_in_a_title_is_stripped(server, loopback):
    preview = previews.fetch(server + "/script-title")
    assert "<" not in preview.title
    assert ">" not in preview.title


def test_redirects_are_followed_and_checked(server, loopback):
    assert previews.fetch(server + "/to-og").title == "Cash flow & you"
    with pytest.raises(previews.AddressRefused):
        previews.fetch(server + "/to-private")
    with pytest.raises(previews.AddressRefused):
        previews.fetch(server + "/to-metadata")
    with pytest.raises(previews.PreviewUnavailable, match="redirects"):
        previews.fetch(server + "/loop")


@pytest.mark.parametrize("path", ["/json", "/missing", "/empty"])
def test_non_html_errors_and_empty_pages_have_no_preview(server, loopback, path):
    with pytest.raises(previews.PreviewUnavailable):
        previews.fetch(server + path)


def test_a_slow_page_times_out(server, loopback):
    started = time.monotonic()
    with pytest.raises(previews.PreviewUnavailable):
        previews.fetch(server + "/slow")
    assert time.monotonic() - started < 3


def test_the_size_cap_holds(server, loopback):
    loopback.KINDRED_LINK_PREVIEW_MAX_BYTES = 512 * 1024
    with pytest.raises(previews.PreviewUnavailable, match="too large"):
        previews.fetch(server + "/huge-declared")
    # Without a declared length only the first 512 KB is read: the late title
    # is never reached.
    with pytest.raises(previews.PreviewUnavailable):
        previews.fetch(server + "/huge")


def test_loopback_is_refused_unless_allowed(server, settings):
    settings.KINDRED_LINK_PREVIEW_ALLOW_LOOPBACK = False
    with pytest.raises(previews.AddressRefused):
        previews.fetch(server + "/og")
    with pytest.raises(previews.AddressRefused):
        previews.fetch(server.replace("127.0.0.1", "localhost") + "/og")


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104
        "224.0.0.1",
        "240.0.0.1",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
    ],
)
def test_private_and_special_addresses_are_refused(address, settings):
    settings.KINDRED_LINK_PREVIEW_ALLOW_LOOPBACK = False
    assert not previews.address_allowed(address)


def test_public_addresses_are_allowed():
    assert previews.address_allowed("93.184.216.34")
    assert previews.address_allowed("2606:2800:220:1:248:1893:25c8:1946")


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://[::1]:8080/",
        "http://0x7f000001/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_private_literals_and_their_disguises_are_refused(url, settings):
    settings.KINDRED_LINK_PREVIEW_ALLOW_LOOPBACK = False
    with pytest.raises(previews.PreviewUnavailable):
        previews.fetch(url)


@pytest.mark.parametrize(
    "url", ["ftp://example.org/", "javascript:alert(1)", "file:///etc/passwd"]
)
def test_other_schemes_are_refused(url):
    with pytest.raises(previews.PreviewUnavailable):
        previews.fetch(url)


def test_sharing_a_link_fetches_the_preview_after_commit(
    server, loopback, db, django_capture_on_commit_callbacks
):
    author = make_person("linker@example.com", "Lin Linker")
    with django_capture_on_commit_callbacks(execute=True):
        insight = services.share_insight(
            by=author, title="Read", body="This.", link=server + "/og"
        )
    insight.refresh_from_db()
    assert insight.preview_status == Insight.Preview.READY
    assert insight.preview_title == "Cash flow & you"
    assert insight.preview_site_name == "Growth Hub"


def test_a_refused_link_shows_preview_unavailable(
    server, settings, db, client, django_capture_on_commit_callbacks
):
    settings.KINDRED_LINK_PREVIEW_ALLOW_LOOPBACK = False
    author = make_person("linker@example.com", "Lin Linker")
    with django_capture_on_commit_callbacks(execute=True):
        insight = services.share_insight(
            by=author, title="Inward", body="Sneaky.", link=server + "/og"
        )
    insight.refresh_from_db()
    assert insight.preview_status == Insight.Preview.UNAVAILABLE
    assert insight.preview_title == ""
    client.force_login(author)
    page = client.get(insight.get_absolute_url()).content.decode()
    assert "Preview unavailable." in page
