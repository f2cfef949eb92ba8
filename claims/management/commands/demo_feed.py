"""Write a folder that, served over HTTP, is a small outlet's RSS feed: the seed story relayed, and one story of its own.

For trying feeds and repeat alerts by hand (README, "Watching feeds"): serve the folder with
`python -m http.server`, add its rss.xml as a feed in the admin, and the two stories become claims.
"""

import html
import json
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

SEEDS_DIR = Path(settings.BASE_DIR) / "seeds"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"

# The outlet's own story: only linked from the feed, so the poller fetches its page and reduces it to text.
LOCAL_TITLE = "Port authority says night ferries will return in March"
LOCAL_STORY = [
    "Night ferries between the harbour and the islands will return in March, the port authority said on Tuesday.",
    "The service was cut last year after the operator lost two of its four boats to engine failures, "
    "according to a report by the regional transport office.",
    "Residents of the islands have complained that the last boat leaves at 7 p.m., which they say keeps "
    "shift workers from taking jobs on the mainland.",
    "A spokesperson for the operator, Coastline Ferries, said the company had leased a fifth boat and "
    "hired twelve crew members.",
    "Analysts say the route has lost money every winter since 2019.",
]


def _seed_story() -> tuple[str, str]:
    """The first seed article's title and text, as load_seeds ingests it."""
    entry = json.loads((SEEDS_DIR / "manifest.json").read_text(encoding="utf-8"))[0]
    return entry["title"], (SEEDS_DIR / entry["file"]).read_text(encoding="utf-8")


def _paragraphs_html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def _page(title: str, paragraphs: list[str]) -> str:
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title></head><body><header><nav><a href=\"rss.xml\">Feed</a></nav></header>"
            f"<main><article><h1>{html.escape(title)}</h1>{_paragraphs_html(paragraphs)}</article></main>"
            "<footer>Demo Wire, a made-up outlet for trying the service.</footer></body></html>")


def _rss(base_url: str, items: list[dict]) -> bytes:
    ElementTree.register_namespace("content", CONTENT_NS)
    rss = ElementTree.Element("rss", version="2.0")
    channel = ElementTree.SubElement(rss, "channel")
    for tag, text in (("title", "Demo Wire"), ("link", base_url), ("description", "Stories for trying watched feeds")):
        ElementTree.SubElement(channel, tag).text = text
    published = format_datetime(timezone.now().replace(microsecond=0))
    for item in items:
        node = ElementTree.SubElement(channel, "item")
        ElementTree.SubElement(node, "title").text = item["title"]
        ElementTree.SubElement(node, "link").text = item["link"]
        ElementTree.SubElement(node, "guid", isPermaLink="false").text = item["guid"]
        ElementTree.SubElement(node, "pubDate").text = published
        ElementTree.SubElement(node, "description").text = item["summary"]
        if item.get("content_html"):
            ElementTree.SubElement(node, f"{{{CONTENT_NS}}}encoded").text = item["content_html"]
    return ElementTree.tostring(rss, encoding="utf-8", xml_declaration=True)


class Command(BaseCommand):
    help = ("Write DIR/rss.xml (with the pages it links) for a made-up outlet, Demo Wire: the seed story relayed "
            "with one line of its own (full text in the feed) and a story of its own (only linked).")

    def add_arguments(self, parser):
        parser.add_argument("directory", help="the folder to write (created if missing)")
        parser.add_argument("--base-url", default="http://127.0.0.1:8001/",
                            help="where the folder will be served (default: %(default)s)")

    def handle(self, *args, directory: str, base_url: str, **options):
        base_url = base_url if base_url.endswith("/") else base_url + "/"
        folder = Path(directory)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            seed_title, seed_text = _seed_story()
            # The wire copy: the seed's paragraphs with the ad slots dropped and a closing line of the outlet's own.
            relayed = [line for line in seed_text.splitlines() if line.strip() and line.strip() != "Advertisement"]
            relayed.append("Demo Wire will update this story as the talks continue.")
            (folder / "maduro-ultimatum.html").write_text(_page(seed_title, relayed), encoding="utf-8")
            (folder / "night-ferries.html").write_text(_page(LOCAL_TITLE, LOCAL_STORY), encoding="utf-8")
            items = [
                {"title": seed_title, "link": urljoin(base_url, "maduro-ultimatum.html"), "guid": "demo-wire-1",
                 "summary": relayed[1][:200], "content_html": _paragraphs_html(relayed)},
                {"title": LOCAL_TITLE, "link": urljoin(base_url, "night-ferries.html"), "guid": "demo-wire-2",
                 "summary": LOCAL_STORY[0]},
            ]
            (folder / "rss.xml").write_bytes(_rss(base_url, items))
        except OSError as exc:
            raise CommandError(f"cannot write {folder}: {exc}") from exc
        self.stdout.write(f"wrote {folder / 'rss.xml'} with {len(items)} stories")
        self.stdout.write(f"serve it:  python -m http.server {_port(base_url)} --bind 127.0.0.1 --directory {folder}")
        self.stdout.write(f"then add the feed {urljoin(base_url, 'rss.xml')} in the admin (Claims > Feeds > Add)")


def _port(base_url: str) -> int:
    parts = urlsplit(base_url)
    return parts.port or (443 if parts.scheme == "https" else 80)
