"""Fetching what the desk watches: bounded, guarded and polite HTTP GETs.

Every request the feeds make goes through `fetch`:
- the address guard of claims/delivery/addresses.py on the URL and on every redirect hop
  (FEEDS_ALLOW_PRIVATE_ADDRESSES, on with DEBUG, lets feeds on loopback be polled);
- a connect timeout, a total time budget, a size cap, and at most FEEDS_MAX_REDIRECTS hops
  (a loop is named as one);
- conditional GET: the caller's ETag and Last-Modified, so an unchanged feed costs a 304.

Politeness is per host and shared by every worker through the `FeedHost` row (`host_turn`):
one request at a time, FEEDS_HOST_MIN_GAP_SECONDS between two, and a host's own
`Retry-After` (429, 503) honoured before anyone asks it again. robots.txt is read once a day
per host and honoured for page fetches (`robots_allows`).
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import requests
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ..delivery.addresses import address_problem
from ..models import FeedHost

REDIRECTS = (301, 302, 303, 307, 308)
ROBOTS_MAX_BYTES = 512 * 1024
ROBOTS_MAX_AGE = timedelta(days=1)
_sessions = threading.local()


class FetchFailed(Exception):
    """The request did not give a usable answer; `retry_after` (seconds) when the host asked us to wait."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after: float | None = None,
                 permanent: bool = False):
        super().__init__(reason)
        self.reason, self.status, self.retry_after = reason, status, retry_after
        self.permanent = permanent  # asking again gives the same answer (a refused address)


class HostBusy(Exception):
    """The host's turn does not come within the wait allowed: try this one later."""

    def __init__(self, host: str, until):
        super().__init__(f"{host} is busy or asked us to wait until {until:%H:%M:%S}")
        self.until = until


@dataclass
class Fetched:
    url: str  # after redirects
    status: int  # 200, or 304 for a conditional GET that found nothing new
    body: bytes
    content_type: str
    etag: str
    last_modified: str


def host_of(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def _session() -> requests.Session:
    # One session per thread: keep-alive to the hosts it polls, never shared across threads.
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = requests.Session()
        session.headers["User-Agent"] = settings.FEEDS_USER_AGENT
    return session


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: a number of seconds, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max((moment - timezone.now()).total_seconds(), 0.0)


def fetch(url: str, *, etag: str = "", last_modified: str = "", accept: str = "*/*",
          max_bytes: int | None = None) -> Fetched:
    """GET `url` within the limits above; raises FetchFailed with the reason in words."""
    max_bytes = max_bytes or settings.FEEDS_MAX_BYTES
    deadline = time.monotonic() + settings.FEEDS_TOTAL_TIMEOUT_SECONDS
    headers = {"Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    seen = []
    for _ in range(settings.FEEDS_MAX_REDIRECTS + 1):
        if problem := address_problem(url, allow_private=settings.FEEDS_ALLOW_PRIVATE_ADDRESSES):
            raise FetchFailed(f"refused {url}: {problem}", permanent=True)
        seen.append(url)
        try:
            response = _session().get(
                url, headers=headers, stream=True, allow_redirects=False,
                timeout=(settings.FEEDS_CONNECT_TIMEOUT_SECONDS, max(deadline - time.monotonic(), 0.1)),
            )
        except requests.RequestException as exc:
            raise FetchFailed(_network_reason(exc)) from None
        with response:
            if response.status_code in REDIRECTS and response.headers.get("Location"):
                target = urljoin(url, response.headers["Location"])
                if target in seen:
                    raise FetchFailed(f"redirect loop: {' -> '.join([*seen, target])[:500]}", status=response.status_code)
                url = target
                continue
            if response.status_code == 304:
                return Fetched(url, 304, b"", "", etag, last_modified)
            if response.status_code in (429, 503):
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                raise FetchFailed(
                    f"HTTP {response.status_code}" + (f", retry after {wait:.0f} s" if wait is not None else ""),
                    status=response.status_code, retry_after=wait,
                )
            if response.status_code >= 400:
                raise FetchFailed(f"HTTP {response.status_code}", status=response.status_code)
            if response.status_code >= 300:
                raise FetchFailed(f"HTTP {response.status_code} without a Location", status=response.status_code)
            body = _read_bounded(response, max_bytes=max_bytes, deadline=deadline)
            return Fetched(
                url, response.status_code, body, response.headers.get("Content-Type", ""),
                response.headers.get("ETag", ""), response.headers.get("Last-Modified", ""),
            )
    raise FetchFailed(f"more than {settings.FEEDS_MAX_REDIRECTS} redirects (FEEDS_MAX_REDIRECTS), last to {url}")


def _read_bounded(response: requests.Response, *, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchFailed(f"the response is {int(declared):,} bytes; the limit is {max_bytes:,} (FEEDS_MAX_BYTES)")
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                raise FetchFailed(f"the response is larger than {max_bytes:,} bytes (FEEDS_MAX_BYTES)")
            if time.monotonic() > deadline:
                raise FetchFailed(f"the response took longer than {settings.FEEDS_TOTAL_TIMEOUT_SECONDS:g} s "
                                  "(FEEDS_TOTAL_TIMEOUT_SECONDS)")
            chunks.append(chunk)
    except requests.RequestException as exc:
        raise FetchFailed(_network_reason(exc)) from None
    return b"".join(chunks)


def _network_reason(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return f"no connection within {settings.FEEDS_CONNECT_TIMEOUT_SECONDS:g} s"
    if isinstance(exc, requests.Timeout):
        return f"no answer within {settings.FEEDS_TOTAL_TIMEOUT_SECONDS:g} s"
    if isinstance(exc, requests.ConnectionError):
        return f"could not connect: {str(exc)[:300]}"
    return f"{type(exc).__name__}: {str(exc)[:300]}"


# --- Politeness per host ---------------------------------------------------------------------


class Turn:
    """A host's turn: the caller may set `wait_after` (a Retry-After) before it ends."""

    wait_after: float | None = None


@contextmanager
def host_turn(host: str, *, max_wait: float | None = None) -> Iterator[Turn]:
    """Wait for the host's turn (no other worker's request in flight, the gap passed), hold it
    while the caller's request runs, then start the gap (or the host's Retry-After).

    Raises HostBusy when the turn does not come within `max_wait` seconds. Runs outside any
    transaction: each step commits at once, so every worker sees it.
    """
    max_wait = settings.FEEDS_HOST_MAX_WAIT_SECONDS if max_wait is None else max_wait
    give_up_at = time.monotonic() + max_wait
    hold = timedelta(seconds=settings.FEEDS_TOTAL_TIMEOUT_SECONDS * 2 + 30)  # a crashed holder frees it by then
    while True:
        now = timezone.now()
        free = (Q(busy_until__isnull=True) | Q(busy_until__lte=now)) & (Q(next_request_at__isnull=True) | Q(next_request_at__lte=now))
        if FeedHost.objects.filter(free, host=host).update(busy_until=now + hold):
            break
        row = FeedHost.objects.filter(host=host).values("busy_until", "next_request_at").first()
        if row is None:
            FeedHost.objects.bulk_create([FeedHost(host=host)], ignore_conflicts=True)
            continue
        # busy_until only frees the turn of a holder that crashed: a live holder ends far sooner, so
        # wait for it up to max_wait. The gap (or a Retry-After) is known: past max_wait, give up now.
        gap_until = max(t for t in (row["next_request_at"], now) if t is not None)
        busy_until = max(t for t in (row["busy_until"], now) if t is not None)
        gap = (gap_until - now).total_seconds()
        if time.monotonic() + gap > give_up_at or time.monotonic() >= give_up_at:
            raise HostBusy(host, max(gap_until, busy_until))
        time.sleep(min(max(gap, 0.01), 0.5))  # a holder may finish early: look again soon
    turn = Turn()
    try:
        yield turn
    finally:
        gap = max(settings.FEEDS_HOST_MIN_GAP_SECONDS, turn.wait_after or 0.0)
        FeedHost.objects.filter(host=host).update(busy_until=None, next_request_at=timezone.now() + timedelta(seconds=gap))


def polite_fetch(url: str, **kwargs) -> Fetched:
    """`fetch` in the host's turn; a Retry-After answer holds the host for that long."""
    with host_turn(host_of(url)) as turn:
        try:
            return fetch(url, **kwargs)
        except FetchFailed as exc:
            turn.wait_after = min(exc.retry_after, settings.FEEDS_BACKOFF_MAX_SECONDS) if exc.retry_after else None
            raise


def robots_allows(url: str) -> bool:
    """Whether the host's robots.txt lets our user agent fetch `url` (read once a day per host).

    No robots.txt (4xx) allows everything; one that cannot be read (5xx, network) allows
    nothing for now: FetchFailed, so the entry waits for the next poll.
    """
    host = host_of(url)
    now = timezone.now()
    row = FeedHost.objects.filter(host=host).values("robots_txt", "robots_status", "robots_fetched_at").first()
    if row is None or row["robots_fetched_at"] is None or row["robots_fetched_at"] < now - ROBOTS_MAX_AGE:
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        try:
            fetched = polite_fetch(robots_url, accept="text/plain", max_bytes=ROBOTS_MAX_BYTES)
            text, status = fetched.body.decode("utf-8", errors="replace"), fetched.status
        except FetchFailed as exc:
            if exc.status is None or exc.status >= 500:
                raise FetchFailed(f"robots.txt of {host} could not be read ({exc.reason})") from None
            text, status = "", exc.status
        FeedHost.objects.filter(host=host).update(robots_txt=text, robots_status=status, robots_fetched_at=now)
        row = {"robots_txt": text, "robots_status": status}
    if row["robots_status"] != 200 or not row["robots_txt"].strip():
        return True
    parser = RobotFileParser()
    parser.parse(row["robots_txt"].splitlines())
    return parser.can_fetch(settings.FEEDS_USER_AGENT.split("/")[0], url)
