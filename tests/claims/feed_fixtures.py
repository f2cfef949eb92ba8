"""Feed bodies of every kind the service reads, built from story texts, for the tests and the bench."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape


@dataclass
class Story:
    guid: str
    link: str
    title: str
    body: str  # plain text, paragraphs separated by blank lines


def _html(body: str) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n"))


def rss(stories: list[Story], *, full: bool = True, title: str = "Test desk") -> str:
    items = "".join(
        f"<item><title>{escape(s.title)}</title><link>{escape(s.link)}</link><guid isPermaLink=\"false\">{escape(s.guid)}</guid>"
        f"<pubDate>Mon, 30 Nov 2026 12:00:00 GMT</pubDate><description>{escape(s.body[:80])}</description>"
        + (f"<content:encoded><![CDATA[{_html(s.body)}]]></content:encoded>" if full else "") + "</item>"
        for s in stories
    )
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>{escape(title)}</title><link>https://desk.example/</link><description>d</description>{items}"
            "</channel></rss>")


def rdf(stories: list[Story]) -> str:
    items = "".join(
        f'<item rdf:about="{escape(s.link)}"><title>{escape(s.title)}</title><link>{escape(s.link)}</link>'
        f"<content:encoded><![CDATA[{_html(s.body)}]]></content:encoded></item>"
        for s in stories
    )
    seq = "".join(f'<rdf:li rdf:resource="{escape(s.link)}"/>' for s in stories)
    return ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f'<channel rdf:about="https://desk.example/"><title>Desk</title><link>https://desk.example/</link>'
            f"<description>d</description><items><rdf:Seq>{seq}</rdf:Seq></items></channel>{items}</rdf:RDF>")


def atom(stories: list[Story]) -> str:
    entries = "".join(
        f"<entry><id>{escape(s.guid)}</id><title>{escape(s.title)}</title><link href=\"{escape(s.link)}\"/>"
        f"<updated>2026-11-30T12:00:00Z</updated><content type=\"html\">{escape(_html(s.body))}</content></entry>"
        for s in stories
    )
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Desk</title>'
            f"<id>urn:desk</id><updated>2026-11-30T12:00:00Z</updated>{entries}</feed>")


def json_feed(stories: list[Story]) -> str:
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "Desk",
        "items": [{"id": s.guid, "url": s.link, "title": s.title, "content_text": s.body,
                   "date_published": "2026-11-30T12:00:00Z"} for s in stories],
    })


def sitemap(stories: list[Story]) -> str:
    urls = "".join(
        f"<url><loc>{escape(s.link)}</loc><news:news><news:publication><news:name>Desk</news:name>"
        f"<news:language>en</news:language></news:publication><news:publication_date>2026-11-30T12:00:00Z"
        f"</news:publication_date><news:title>{escape(s.title)}</news:title></news:news></url>"
        for s in stories
    )
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>')


def page(story: Story) -> str:
    """The story's own web page: navigation and furniture around the article."""
    return (f"<!doctype html><html><head><title>{escape(story.title)}</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/politics'>Politics</a></nav>"
            f"<article><h1>{escape(story.title)}</h1>{_html(story.body)}</article>"
            "<footer>Copyright Desk</footer></body></html>")
