"""Watched feeds against a real HTTP server on loopback: every kind, conditional GETs, failures and
their backoff, the limits (redirect loops, floods, HTML, private addresses), politeness, and
entries becoming articles through the one ingestion service."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from claims.models import Article, ArticleAppearance, Feed, FeedEntry, FeedEntryStatus, FeedHost, FeedKind
from claims.pipeline import feed_formats, feeds
from tests.feed_server import FeedServer, server  # noqa: F401 (server: the fixture)

from . import feed_fixtures as fx

pytestmark = pytest.mark.django_db

BODY = (
    "The city council approved a new budget of $40 million for the harbour bridge on Monday, officials said.\n\n"
    "Construction will start in March and last two years, according to the transport department.\n\n"
    "Residents have complained about the noise for months, the local newspaper reported."
)


def story(n: int, server: FeedServer, body: str = BODY) -> fx.Story:
    return fx.Story(guid=f"desk-{n}", link=server.url(f"/news/{n}?utm_source=rss"), title=f"Bridge story {n}",
                    body=body.replace("$40 million", f"${40 + n} million"))


@pytest.fixture(autouse=True)
def _feed_settings(settings):
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True  # the test server is on loopback
    settings.FEEDS_HOST_MIN_GAP_SECONDS = 0.0
    settings.FEEDS_POLL_THREADS = 1  # the test's own connection sees its rows (threads have their own)
    settings.FEEDS_TOTAL_TIMEOUT_SECONDS = 5.0


def add_feed(editor, url: str, **options) -> Feed:
    return feeds.feed_create(url=url, publisher=options.pop("publisher", "Harbour Daily"), actor=editor, **options)


def poll(**kwargs) -> dict[int, feeds.PollOutcome]:
    return {outcome.feed_id: outcome for outcome in feeds.feeds_poll(**kwargs)}


@pytest.mark.parametrize(("kind", "render"), [
    (FeedKind.RSS, fx.rss), (FeedKind.RDF, fx.rdf), (FeedKind.ATOM, fx.atom), (FeedKind.JSON_FEED, fx.json_feed),
])
def test_each_feed_kind_is_detected_and_its_entries_become_articles(kind, render, server, editor):
    stories = [story(n, server) for n in range(3)]
    media = "application/feed+json" if kind == FeedKind.JSON_FEED else "application/xml"
    feed = add_feed(editor, server.route("/feed", render(stories), content_type=media))
    outcome = poll()[feed.pk]
    assert outcome.ok and outcome.line.startswith("3 new entries"), outcome.line
    feed.refresh_from_db()
    assert feed.detected_kind == kind and feed.entries_seen == 3 and feed.articles_created == 3
    articles = Article.objects.filter(publisher__name="Harbour Daily").order_by("title")
    assert [a.title for a in articles] == ["Bridge story 0", "Bridge story 1", "Bridge story 2"]
    assert articles[1].body.split("\n\n")[0].startswith("The city council approved a new budget of $41 million")
    assert not any("<p>" in a.body for a in articles)
    assert server.hits["/news/0?utm_source=rss"] == 0  # the feed carried the text: no page fetched


def test_a_news_sitemap_fetches_each_page_and_reduces_it_to_text(server, editor):
    stories = [story(n, server) for n in range(2)]
    for s in stories:
        server.route(s.link.removeprefix(server.base), fx.page(s), content_type="text/html; charset=utf-8")
    server.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    feed = add_feed(editor, server.route("/sitemap.xml", fx.sitemap(stories), content_type="application/xml"))
    assert poll()[feed.pk].ok
    feed.refresh_from_db()
    assert feed.detected_kind == FeedKind.SITEMAP and feed.articles_created == 2
    body = Article.objects.get(title="Bridge story 1").body
    assert "approved a new budget of $41 million" in body and "Copyright Desk" not in body and "Politics" not in body
    assert server.hits["/robots.txt"] == 1  # read once for the host, not once per page


def test_an_unchanged_feed_costs_a_304_and_creates_nothing(server, editor):
    feed = add_feed(editor, server.route("/feed", fx.rss([story(1, server)])))
    poll()
    first_etag = Feed.objects.get(pk=feed.pk).etag
    assert first_etag
    outcome = poll(every=True)[feed.pk]
    assert outcome.line.startswith("unchanged (304)")
    assert server.log[-1][2].get("If-None-Match") == first_etag
    assert Article.objects.count() == 1 and FeedEntry.objects.count() == 1


def test_a_feed_that_changes_adds_only_its_new_entries_known_by_guid_or_normalised_link(server, editor):
    one, two = story(1, server), story(2, server)
    feed = add_feed(editor, server.route("/feed", fx.rss([one])))
    poll()
    # the same entry again under another spelling of its link (no guid), plus a new one
    respelled = fx.Story(guid="", link=one.link.replace("http://", "https://").replace("?utm_source=rss", "/?utm_medium=x"),
                         title=one.title, body=one.body)
    assert feed_formats.entry_key("", respelled.link) == feed_formats.entry_key("", one.link)
    server.route("/feed", fx.rss([respelled, two]))
    outcome = poll(every=True)[feed.pk]
    assert outcome.line.startswith("1 new entry"), outcome.line
    assert Article.objects.count() == 2


def test_the_same_body_in_two_feeds_is_one_article_with_two_appearances(server, editor):
    shared = story(7, server)
    mirror = fx.Story("wire-7", "https://mirror.example/7", shared.title, shared.body)
    first = add_feed(editor, server.route("/a", fx.rss([shared])))
    second = add_feed(editor, server.route("/b", fx.rss([mirror])), publisher="Coast Courier")
    outcomes = poll()
    assert outcomes[first.pk].articles == 1 and outcomes[second.pk].articles == 0
    assert Article.objects.count() == 1
    assert ArticleAppearance.objects.filter(publisher__name="Coast Courier").count() == 1
    assert FeedEntry.objects.get(feed=second).status == FeedEntryStatus.DUPLICATE


def test_server_errors_back_off_exponentially_then_disable_the_feed_with_the_reason(server, editor, settings):
    settings.FEEDS_MAX_FAILURES = 3
    feed = add_feed(editor, server.route("/broken", "oops", status=500, etag=False), poll_interval_seconds=60)
    waits = []
    for _ in range(3):
        before = timezone.now()
        outcome = poll(every=True)[feed.pk]
        assert not outcome.ok and "HTTP 500" in outcome.line
        feed.refresh_from_db()
        if feed.enabled:
            waits.append(round((feed.next_poll_at - before).total_seconds() / 60))
    assert waits == [1, 2]  # the interval, then doubled
    assert not feed.enabled and feed.consecutive_failures == 3
    assert feed.disabled_reason.startswith("disabled after 3 failures in a row; the last: HTTP 500")
    assert poll(every=True) == {}  # a disabled feed is not polled
    feeds.feed_update(feed_id=feed.pk, actor=editor, enabled=True)
    feed.refresh_from_db()
    assert feed.enabled and feed.consecutive_failures == 0 and feed.disabled_reason == ""


def test_429_with_retry_after_holds_the_host_and_the_feed(server, editor):
    feed = add_feed(editor, server.route("/busy", "slow down", status=429, headers={"Retry-After": "600"}, etag=False))
    before = timezone.now()
    outcome = poll()[feed.pk]
    assert "HTTP 429, retry after 600 s" in outcome.line
    feed.refresh_from_db()
    assert feed.next_poll_at >= before + timedelta(seconds=600)
    host = FeedHost.objects.get(host=feed.host)
    assert host.next_request_at >= before + timedelta(seconds=600)


@pytest.mark.django_db(transaction=True)
def test_a_timeout_is_an_error_and_never_holds_up_the_other_feeds(server, editor, settings):
    settings.FEEDS_TOTAL_TIMEOUT_SECONDS = 1.0
    settings.FEEDS_POLL_THREADS = 4  # threads: the rows are committed (transaction=True)

    def stall(headers):
        time.sleep(3)
        return 200, {"Content-Type": "application/rss+xml"}, fx.rss([])

    slow = add_feed(editor, server.route_fn("/slow", stall))
    # the fast feed is on another host name of the same server (politeness is per host)
    fast = add_feed(editor, server.route("/fast", fx.rss([story(1, server)])).replace("127.0.0.1", "localhost"))
    outcomes = poll()
    assert not outcomes[slow.pk].ok and "1 s" in outcomes[slow.pk].line, outcomes[slow.pk].line
    assert outcomes[fast.pk].ok and outcomes[fast.pk].articles == 1
    slow.refresh_from_db()
    fast.refresh_from_db()
    assert fast.last_success_at < slow.last_polled_at  # the fast feed was done while the slow one still waited


def test_a_redirect_loop_is_named_as_one(server, editor):
    server.route("/a", "", status=302, headers={"Location": "/b"}, etag=False)
    server.route("/b", "", status=301, headers={"Location": "/a"}, etag=False)
    feed = add_feed(editor, server.url("/a"))
    outcome = poll()[feed.pk]
    assert not outcome.ok and "redirect loop" in outcome.line and "/b -> " in outcome.line


def test_too_many_redirects_stop_at_the_limit(server, editor, settings):
    settings.FEEDS_MAX_REDIRECTS = 2
    for n in range(5):
        server.route(f"/hop{n}", "", status=307, headers={"Location": f"/hop{n + 1}"}, etag=False)
    feed = add_feed(editor, server.url("/hop0"))
    outcome = poll()[feed.pk]
    assert "more than 2 redirects" in outcome.line
    assert server.hits["/hop3"] == 0


def test_a_50_mb_response_is_cut_off_at_the_cap(server, editor, settings):
    settings.FEEDS_MAX_BYTES = 1024 * 1024
    sent = []

    def flood(headers):
        def chunks():
            for _ in range(50 * 16):  # 50 MB in 64 KB chunks, no Content-Length
                sent.append(1)
                yield b"<" * 65536
        return 200, {"Content-Type": "application/rss+xml"}, chunks()

    feed = add_feed(editor, server.route_fn("/flood", flood))
    outcome = poll()[feed.pk]
    assert not outcome.ok and "larger than 1,048,576 bytes" in outcome.line
    assert len(sent) < 100  # the reader stopped; the server never got to send 50 MB

    declared = server.route("/big", b"x" * (2 * 1024 * 1024), etag=False)
    feed = add_feed(editor, declared)
    outcome = poll()[feed.pk]
    assert "the response is 2,097,152 bytes; the limit is 1,048,576" in outcome.line


def test_html_served_as_a_feed_is_refused_naming_the_feed_it_advertises(server, editor):
    page = ('<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'
            "</head><body><p>Home page</p></body></html>")
    feed = add_feed(editor, server.route("/home", page, content_type="text/html"))
    outcome = poll()[feed.pk]
    assert not outcome.ok
    assert "the URL serves an HTML page, not a feed; the page advertises a feed at /rss.xml" in outcome.line
    assert Article.objects.count() == 0


def test_an_item_pointing_at_a_private_address_is_never_fetched(server, editor, settings):
    # the feed itself is on loopback (allowed here); its item points at the cloud metadata address
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True
    bad = fx.Story("meta", "http://169.254.169.254/latest/meta-data/", "Metadata", "")
    feed = add_feed(editor, server.route("/feed", fx.rss([bad], full=False)))
    poll()
    entry = FeedEntry.objects.get(feed=feed)
    assert entry.status == FeedEntryStatus.SKIPPED and "link-local" in entry.reason, entry.reason
    assert Article.objects.count() == 0


def test_private_addresses_are_refused_where_they_are_not_allowed(server, editor, settings):
    feed = add_feed(editor, server.route("/feed", fx.rss([story(1, server)])))
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationError, match="non-public address"):
        add_feed(editor, server.url("/other"))
    outcome = poll()[feed.pk]
    assert not outcome.ok and "resolves to a non-public address (127.0.0.1)" in outcome.line
    assert server.hits["/feed"] == 0


@pytest.mark.parametrize(("path", "content_type", "body", "reason"), [
    ("/report.pdf", "application/pdf", b"%PDF-1.7 binary", "a PDF, not an article page"),
    ("/clip", "text/html", b'<html><head><meta property="og:type" content="video.other"></head><body><video></video>'
                           b"<p>Watch.</p></body></html>", "a video page"),
    ("/locked", "text/html", b"<html><body><article><p>The council met on Monday.</p><p>Subscribe to continue reading."
                             b"</p></article></body></html>", "a paywall stub"),
    ("/blank", "text/html", b"<html><body><p>Hi.</p></body></html>", "an empty page"),
])
def test_what_is_not_an_article_is_skipped_with_the_reason(path, content_type, body, reason, server, editor):
    server.route(path, body, content_type=content_type, etag=False)
    item = fx.Story("x", server.url(path), "Not an article", "")
    feed = add_feed(editor, server.route("/feed", fx.rss([item], full=False)))
    outcome = poll()[feed.pk]
    entry = FeedEntry.objects.get(feed=feed)
    assert entry.status == FeedEntryStatus.SKIPPED and entry.reason.startswith(reason), entry.reason
    assert "skipped" in outcome.line and Article.objects.count() == 0


def test_robots_txt_is_honoured_unless_the_feed_turns_it_off(server, editor):
    server.route("/robots.txt", "User-agent: *\nDisallow: /news/\n", content_type="text/plain")
    item = story(3, server)
    server.route(item.link.removeprefix(server.base), fx.page(item), content_type="text/html")
    polite = add_feed(editor, server.route("/feed", fx.rss([item], full=False)))
    poll()
    assert FeedEntry.objects.get(feed=polite).reason == "robots.txt disallows fetching its page"
    assert server.hits[item.link.removeprefix(server.base)] == 0
    own = add_feed(editor, server.route("/own", fx.rss([item], full=False)), respect_robots=False, publisher="Own site")
    poll()
    assert FeedEntry.objects.get(feed=own).status == FeedEntryStatus.INGESTED


def test_politeness_one_request_at_a_time_with_a_gap_per_host(server, editor, settings):
    settings.FEEDS_HOST_MIN_GAP_SECONDS = 0.3
    stories = [story(n, server) for n in range(3)]
    for s in stories:
        server.route(s.link.removeprefix(server.base), fx.page(s), content_type="text/html")
    server.route("/robots.txt", "", status=404, content_type="text/plain", etag=False)
    add_feed(editor, server.route("/feed", fx.rss(stories, full=False)))
    poll()
    times = [at for at, _, _ in server.log]
    assert len(times) == 5  # the feed, robots.txt, three pages
    assert all(b - a >= 0.29 for a, b in zip(times, times[1:]))


def test_a_busy_host_defers_the_feed_instead_of_waiting(server, editor, settings):
    settings.FEEDS_HOST_MAX_WAIT_SECONDS = 0.0
    feed = add_feed(editor, server.route("/feed", fx.rss([story(1, server)])))
    FeedHost.objects.create(host=feed.host, next_request_at=timezone.now() + timedelta(seconds=120))
    outcome = poll()[feed.pk]
    assert outcome.ok and outcome.line.startswith("waiting:")
    assert server.hits["/feed"] == 0
    feed.refresh_from_db()
    assert feed.next_poll_at > timezone.now() + timedelta(seconds=100) and feed.consecutive_failures == 0


def test_a_leased_feed_is_not_polled_by_a_second_run(server, editor):
    feed = add_feed(editor, server.route("/feed", fx.rss([story(1, server)])))
    assert feeds.feeds_lease(limit=10) == [feed.pk]
    assert feeds.feeds_lease(limit=10) == [] and feeds.feeds_lease(limit=10, every=True) == []
    assert poll() == {}


def test_only_editors_add_feeds(server, reviewer):
    from claims.roles import ActionForbidden

    with pytest.raises(ActionForbidden):
        add_feed(reviewer, server.url("/feed"))
