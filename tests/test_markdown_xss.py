"""An XSS corpus through kindred.core.markdown.render and through the real insight
page and comment rendering: no <script>, no on*= handler, no javascript:, vbscript:
or data: URL survives. The output is parsed with html.parser, so attributes are
checked as a browser would read them, not only as substrings."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from kindred.core.markdown import render
from kindred.insights.models import Comment, Insight
from tests.conftest import make_person

CORPUS = [
    # script tags
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script\n>alert(1)</script\n>",
    '<<script>alert("x");//<</script>',
    "<script/xss src=//evil.example/x.js></script>",
    # event handlers in many tags
    "<img src=x onerror=alert(1)>",
    '<IMG SRC="x" ONERROR="alert(1)">',
    "<img/src=x/onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<div onmouseover='alert(1)'>hover</div>",
    '<a href="https://ok.example" onclick="alert(1)">click</a>',
    "<p onclick=alert(1)>para</p>",
    "<strong onmouseenter=alert(1)>bold</strong>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<marquee onstart=alert(1)>",
    '<a href="x"\nonclick=alert(1)>x</a>',
    # javascript:/vbscript:/data: URLs, with obfuscations
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="jav\tascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;'
    'alert(1)">x</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">x</a>',
    '<a href="javascript&#58;alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="javascript:alert(1)">',
    '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">',
    # markdown link and image syntax
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](  javascript:alert(1)  )",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "![img](javascript:alert(1))",
    '![img](x "title" onerror=alert(1))',
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    # nested and malformed tags
    "<<img src=x onerror=alert(1)//>",
    '<a href="</a><script>alert(1)</script>">x</a>',
    "<img src=x onerror=alert(1)",
    "<div><p onclick=alert(1)>x</div>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    # svg and math
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style>"
    "</mglyph></table></mtext></math>",
    '<math href="javascript:alert(1)">x</math>',
    # style and expression
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="width: expression(alert(1))">x</div>',
    '<p style="background-image:url(javascript:alert(1))">x</p>',
    # iframes, objects, forms, meta refresh, base
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    # code spans must stay text
    "`<script>alert(1)</script>`",
    "    <img src=x onerror=alert(1)>",
]

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "xlink:href",
    "background",
    "poster",
    "srcdoc",
    "content",
    "style",
}
BAD_SCHEME = re.compile(r"^\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)
FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "style",
    "meta",
    "base",
    "link",
    "form",
    "img",
}


class Inspector(HTMLParser):
    """Collect every problem a browser would act on."""

    def __init__(self, forbidden: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.forbidden = forbidden

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.forbidden:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in URL_ATTRIBUTES and value:
                # Browsers drop tabs and newlines inside URLs before reading them.
                squeezed = re.sub(r"[\t\n\r\x00-\x20]", "", html.unescape(value))
                if BAD_SCHEME.match(squeezed) or "expression(" in squeezed:
                    self.problems.append(f"{tag}[{name}]={value!r}")

    handle_startendtag = handle_starttag


def problems_in(output: str, *, page: bool = False) -> list[str]:
    """Problems in rendered Markdown, or in a whole page (whose own forms are
    fine: their actions are still checked)."""
    inspector = Inspector(FORBIDDEN_TAGS - {"form"} if page else FORBIDDEN_TAGS)
    inspector.feed(output)
    inspector.close()
    found = inspector.problems
    if re.search(r"<\s*script", output, re.IGNORECASE):
        found.append("<script substring")
    return found


def _ids(corpus):
    return [f"{n:02d}" for n in range(len(corpus))]


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("payload", CORPUS, ids=_ids(CORPUS))
def test_render_removes_scripts_handlers_and_script_urls(payload):
    output = str(render(payload))
    assert problems_in(output) == [], output


@pytest.mark.parametrize("payload", CORPUS, ids=_ids(CORPUS))
def test_render_inside_a_markdown_paragraph(payload):
    output = str(render(f"Some **text** before\n\n{payload}\n\nand after."))
    assert problems_in(output) == [], output


@pytest.fixture
def poster(db):
    return make_person("poster@example.com", "Pat Poster")


@pytest.fixture
def viewer(db):
    return make_person("viewer@example.com", "Val Viewer")


def _body_of(page: str) -> str:
    """The page's main content: the layout's own scripts are not user content."""
    start = page.index("<main")
    end = page.index("</main>")
    return page[start:end]


def test_the_real_insight_page_renders_every_payload_safely(client, poster, viewer):
    """Rows are written directly, bypassing the services' refusal, to test the
    rendering itself: the insight body and every comment."""
    insight = Insight.objects.create(
        author=poster, title="<script>alert('title')</script>", body="\n\n".join(CORPUS)
    )
    Comment.objects.bulk_create(
        [Comment(insight=insight, author=viewer, body=payload) for payload in CORPUS]
    )
    client.force_login(viewer)
    response = client.get(insight.get_absolute_url())
    assert response.status_code == 200
    main = _body_of(response.content.decode())
    assert problems_in(main, page=True) == []
    assert "&lt;script&gt;alert" in main  # the title is escaped text


@pytest.mark.parametrize("payload", CORPUS, ids=_ids(CORPUS))
def test_each_payload_on_its_own_insight_and_comment(client, poster, viewer, payload):
    insight = Insight.objects.create(author=poster, title="XSS", body=payload)
    Comment.objects.create(insight=insight, author=viewer, body=payload)
    client.force_login(viewer)
    main = _body_of(client.get(insight.get_absolute_url()).content.decode())
    assert problems_in(main, page=True) == []


def test_feed_cards_escape_titles(client, poster):
    Insight.objects.create(
        author=poster, title='<img src=x onerror="alert(1)">', body="x"
    )
    client.force_login(poster)
    main = _body_of(client.get("/insights/?view=all").content.decode())
    assert problems_in(main, page=True) == []


@pytest.mark.parametrize(
    "unsafe",
    [
        "<script>x</script>",
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href=" JAVASCRIPT:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        "<p onclick=x>y</p>",
        '<div style="width:expression(alert(1))">',
        "<svg/onload=x>",
    ],
)
def test_the_inspector_catches_what_it_looks_for(unsafe):
    """A check that finds nothing must be able to find something."""
    assert problems_in(unsafe)
