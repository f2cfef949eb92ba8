"""HTML in, text out: a body that is a web page (or markup-heavy text) becomes its article text.

Raw markup is never stored as a body: `<head>`, `<script src=...>` and navigation would
each become a "claim". The main text is extracted with trafilatura, as the API's `html`
field always did; when none is found the article is refused, naming the `html` field
and the `ingest --html` flag.
"""

from __future__ import annotations

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


def html_to_text(html: str) -> str:
    """The article's main text (trafilatura), or NotArticleHtml."""
    import trafilatura  # late: heavy import, only needed for HTML submissions

    try:
        text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    except Exception as exc:  # malformed markup is the sender's problem, never a crash
        raise NotArticleHtml(f"could not read the HTML: {type(exc).__name__}") from exc
    if not (text or "").strip():
        raise NotArticleHtml("no article text found in the HTML")
    return text
