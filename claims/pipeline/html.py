"""HTML in, text out: a body that is a web page (or markup-heavy text) becomes its article text.

Raw markup is never stored as a body: `<head>`, `<script src=...>` and navigation would
each become a "claim". The main text is extracted with trafilatura, as the API's `html`
field always did; when none is found the article is refused, naming the `html` field
and the `ingest --html` flag.
"""

from __future__ import annotations

import html as htmllib
import re

# Elements that plain prose never contains; attribute-free or not, opening or closing.
_TAG_RE = re.compile(
    r"</?(?:html|head|body|div|p|span|script|style|a|br|hr|li|ul|ol|meta|link|img|table|tr|td|th|h[1-6]|section|"
    r"article|nav|header|footer|aside|main|figure|figcaption|iframe|noscript|form|input|button|svg|strong|em|b|i)"
    r"(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_PAGE_RE = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>])", re.IGNORECASE | re.DOTALL)
_HEAVY_RE = re.compile(r"<(?:head|script|style|meta|link|iframe|noscript)[\s>/]", re.IGNORECASE)
# Markup-heavy text: this many tags, and this share of the characters inside them.
MIN_TAGS = 5
MIN_TAG_SHARE = 0.02


class NotArticleHtml(ValueError):
    """HTML with no article text in it."""


def looks_like_html(text: str) -> bool:
    """A whole page (doctype / <html>), page furniture (<head>, <script>, ...), or text thick with tags."""
    sample = text[:200_000]
    if _PAGE_RE.match(sample) or _HEAVY_RE.search(sample):
        return True
    tags = [m.group(0) for m in _TAG_RE.finditer(sample)]
    return len(tags) >= MIN_TAGS and sum(map(len, tags)) >= MIN_TAG_SHARE * len(sample)


# A complete tag; what is left when they are removed is the markup's text (the API schema's rule too).
_ANY_TAG_RE = re.compile(r"<[^<>]*>")
_INVISIBLE_RE = re.compile(r"<(script|style|head|template|noscript)\b[^<>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def html_to_text(html: str) -> str:
    """The article's main text (trafilatura); for a fragment trafilatura finds no article in (a
    paragraph or two), the text outside its tags. NotArticleHtml when there is no text at all."""
    import trafilatura  # late: heavy import, only needed for HTML submissions

    try:
        text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    except Exception:  # malformed markup is the sender's problem, never a crash: read its text instead
        text = None
    if (text or "").strip():
        return text
    visible = " ".join(_ANY_TAG_RE.sub(" ", _INVISIBLE_RE.sub(" ", html)).split())
    if not visible:
        visible = " ".join(_ANY_TAG_RE.sub(" ", html).split())  # only scripts and styles: still the sender's text
    unescaped = " ".join(htmllib.unescape(visible).split())
    text = unescaped or visible
    if not text:
        raise NotArticleHtml("no text found in the HTML (only tags and whitespace)")
    return text


_BLOCK_END_RE = re.compile(r"<(?:br\s*/?|/p|/div|/li|/h[1-6]|/blockquote|/tr|/section|/article|hr\s*/?)\s*>", re.IGNORECASE)
_SPACES_RE = re.compile(r"[ \t\f\v\u00a0]+")


def fragment_to_text(html: str) -> str:
    """The text of a feed entry's content (a fragment of paragraphs, already the article: no page
    furniture to remove), one paragraph per block. Cheap: no boilerplate detection."""
    text = _BLOCK_END_RE.sub("\n\n", _INVISIBLE_RE.sub(" ", html))
    text = htmllib.unescape(_ANY_TAG_RE.sub("", text))
    paragraphs = (" ".join(_SPACES_RE.sub(" ", line).split()) for line in text.split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)
