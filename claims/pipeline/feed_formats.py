"""Feed formats: what a watched URL serves, and its entries.

Detected from the content (an editor may override it): RSS 2.0, RSS 1.0 (RDF) and Atom are
read by feedparser (encodings, entities and broken markup are its trade); JSON Feed by its
spec (jsonfeed.org 1.0 and 1.1); a news sitemap (sitemaps.org `urlset`, with or without the
Google News extension) by lxml with entities and the network off; a ClaimReview DataFeed is
handed to claims/matching/fact_checks.py. An HTML page served as a feed is refused, naming
the feed it advertises when it has one.

An entry is known by its guid (or Atom id, or JSON Feed id), else by its link normalised:
no scheme, the host lowercased without "www.", no fragment, no tracking parameters
(utm_*, fbclid, ...), no trailing slash. `content` is the entry's full text when the feed
carries it (content:encoded, Atom content, JSON Feed content_*); otherwise the page is fetched.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone as dt_timezone
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django.utils.dateparse import parse_datetime

from ..models import FeedKind
from .html import fragment_to_text

MAX_ENTRIES = 5_000  # a "feed" of more entries than this is read up to here
TRACKING_PARAMETERS = re.compile(
    r"^(?:utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|smid|cmpid|ocid|_ga|_gl|ref|ref_src|at_\w+|wt\.mc_id|guccounter)$",
    re.IGNORECASE,
)
_HTML_START = re.compile(rb"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>])", re.IGNORECASE | re.DOTALL)
_ALTERNATE = re.compile(
    rb"<link\b[^>]*type=[\"']application/(?:rss|atom|feed)\+(?:xml|json)[\"'][^>]*>", re.IGNORECASE)
_HREF = re.compile(rb"href=[\"']([^\"']+)[\"']", re.IGNORECASE)
_XML_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]")


class FeedFormatError(ValueError):
    """The body is not a feed of any kind we read (the reason says what it is instead)."""


@dataclass
class Entry:
    key: str
    link: str = ""
    title: str = ""
    published_at: datetime | None = None
    content: str = ""  # plain text of the entry's full content, "" when the feed carries none

    @property
    def link_key(self) -> str:
        return normalise_link(self.link)[:1000] if self.link else ""


@dataclass
class ParsedFeed:
    kind: str
    title: str = ""
    entries: list[Entry] = field(default_factory=list)
    document: object = None  # a ClaimReview feed's JSON, for claims/matching/fact_checks.py
    next_url: str = ""  # a paginated DataFeed's next page


def normalise_link(url: str) -> str:
    """The link as an entry key: two spellings of one page's URL give the same key."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not TRACKING_PARAMETERS.match(k)))
    path = parts.path.rstrip("/")
    return f"//{host}{path}" + (f"?{query}" if query else "")


def entry_key(guid: str, link: str) -> str:
    guid = (guid or "").strip()
    if guid:
        return normalise_link(guid) if guid.startswith(("http://", "https://")) else f"guid:{guid}"[:1000]
    return normalise_link(link)[:1000] if link else ""


def detect_kind(body: bytes) -> str:
    """The feed kind of a body, from its content; FeedFormatError when it is none."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise FeedFormatError("the response is empty")
    if head[:1] in (b"{", b"["):
        try:
            document = json.loads(body.decode("utf-8-sig", errors="replace"))
        except json.JSONDecodeError as exc:
            raise FeedFormatError(f"the response looks like JSON but is not ({exc.msg} at line {exc.lineno})") from None
        return _json_kind(document)
    if _HTML_START.match(head):
        raise FeedFormatError(html_problem(body))
    for match in _XML_ROOT.finditer(head):
        if head[match.start() + 1:match.start() + 2] in (b"?", b"!"):
            continue
        root = match.group(2).decode("ascii", errors="replace").lower()
        kinds = {"rss": FeedKind.RSS, "rdf": FeedKind.RDF, "feed": FeedKind.ATOM, "urlset": FeedKind.SITEMAP}
        if root in kinds:
            return kinds[root]
        if root == "sitemapindex":
            raise FeedFormatError("a sitemap index (a list of sitemaps): add its news sitemap itself as the feed")
        if root == "html":
            raise FeedFormatError(html_problem(body))
        raise FeedFormatError(f"XML whose root is <{root}>, not a feed (rss, rdf:RDF, feed or urlset)")
    raise FeedFormatError("neither XML nor JSON: not a feed")


def html_problem(body: bytes) -> str:
    advertised = [m.group(1).decode("utf-8", errors="replace") for link in _ALTERNATE.findall(body[:200_000])
                  if (m := _HREF.search(link))]
    reason = "the URL serves an HTML page, not a feed"
    return reason + (f"; the page advertises a feed at {advertised[0]}" if advertised else "")


def _json_kind(document) -> str:
    if isinstance(document, dict) and "jsonfeed.org" in str(document.get("version", "")):
        return FeedKind.JSON_FEED
    if _looks_like_claim_reviews(document):
        return FeedKind.CLAIM_REVIEW
    raise FeedFormatError("JSON that is neither a JSON Feed (version jsonfeed.org) nor ClaimReview")


def _looks_like_claim_reviews(document) -> bool:
    text = json.dumps(document)[:20_000] if not isinstance(document, str) else document
    return "ClaimReview" in text or "dataFeedElement" in text


def parse(body: bytes, *, kind: str, base_url: str = "") -> ParsedFeed:
    """The entries of a body of `kind` (detected or overridden); FeedFormatError when it reads as none."""
    if kind == FeedKind.JSON_FEED:
        return _parse_json_feed(_json(body), base_url)
    if kind == FeedKind.CLAIM_REVIEW:
        document = _json(body)
        if not _looks_like_claim_reviews(document):
            raise FeedFormatError("no ClaimReview in this JSON")
        next_url = document.get("next") if isinstance(document, dict) else None
        return ParsedFeed(kind, title=str(document.get("name", "")) if isinstance(document, dict) else "",
                          document=document, next_url=urljoin(base_url, next_url) if isinstance(next_url, str) else "")
    if kind == FeedKind.SITEMAP:
        return _parse_sitemap(body)
    if kind in (FeedKind.RSS, FeedKind.RDF, FeedKind.ATOM):
        return _parse_with_feedparser(body, kind, base_url)
    raise FeedFormatError(f"unknown feed kind {kind!r}")


def _json(body: bytes):
    try:
        return json.loads(body.decode("utf-8-sig", errors="replace"))
    except json.JSONDecodeError as exc:
        raise FeedFormatError(f"not JSON ({exc.msg} at line {exc.lineno})") from None


def _moment(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, str):
        moment = parse_datetime(value.strip())
        if moment is None:
            try:
                moment = datetime.fromisoformat(value.strip()[:10])
            except ValueError:
                return None
        return moment if moment.tzinfo else moment.replace(tzinfo=dt_timezone.utc)
    return None


def _parse_with_feedparser(body: bytes, kind: str, base_url: str) -> ParsedFeed:
    import feedparser  # late: only the poll needs it

    parsed = feedparser.parse(body, response_headers={"content-location": base_url} if base_url else None,
                              sanitize_html=True, resolve_relative_uris=True)
    if not parsed.version and not parsed.entries:
        problem = getattr(parsed, "bozo_exception", None)
        raise FeedFormatError(f"not a {FeedKind(kind).label} feed" + (f" ({problem})" if problem else ""))
    feed = ParsedFeed(kind, title=parsed.feed.get("title", ""))
    for item in parsed.entries[:MAX_ENTRIES]:
        link = item.get("link", "")
        key = entry_key(item.get("id", ""), link)
        if not key:
            continue
        content = ""
        if item.get("content"):
            content = fragment_to_text(" ".join(part.get("value", "") for part in item.content))
        published = item.get("published_parsed") or item.get("updated_parsed")
        feed.entries.append(Entry(
            key=key, link=link, title=" ".join(item.get("title", "").split())[:500],
            published_at=datetime(*published[:6], tzinfo=dt_timezone.utc) if published else None,
            content=content or (fragment_to_text(item.get("summary", "")) if not link else ""),
        ))
    return feed


def _parse_json_feed(document, base_url: str) -> ParsedFeed:
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise FeedFormatError("a JSON Feed needs an `items` list")
    feed = ParsedFeed(FeedKind.JSON_FEED, title=str(document.get("title", "")))
    for item in document["items"][:MAX_ENTRIES]:
        if not isinstance(item, dict):
            continue
        link = urljoin(base_url, str(item.get("url") or item.get("external_url") or ""))
        key = entry_key(str(item.get("id") or ""), link)
        if not key:
            continue
        if item.get("content_html"):
            content = fragment_to_text(str(item["content_html"]))
        else:
            content = str(item.get("content_text") or "").strip()
        feed.entries.append(Entry(key=key, link=link, title=" ".join(str(item.get("title") or "").split())[:500],
                                  published_at=_moment(item.get("date_published") or item.get("date_modified")),
                                  content=content))
    return feed


def _parse_sitemap(body: bytes) -> ParsedFeed:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise FeedFormatError(f"the sitemap is not XML ({exc})") from None
    if root is None or etree.QName(root).localname != "urlset":
        raise FeedFormatError("a sitemap's root must be <urlset>")
    feed = ParsedFeed(FeedKind.SITEMAP)
    for url in root[:MAX_ENTRIES]:
        if not isinstance(url.tag, str) or etree.QName(url).localname != "url":
            continue
        values = {etree.QName(el).localname: (el.text or "").strip() for el in url.iter() if isinstance(el.tag, str)}
        link = values.get("loc", "")
        if not link:
            continue
        feed.entries.append(Entry(
            key=entry_key("", link), link=link, title=" ".join(values.get("title", "").split())[:500],
            published_at=_moment(values.get("publication_date") or values.get("lastmod")),
        ))
    return feed
