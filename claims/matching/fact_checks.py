"""Imported fact-checks: schema.org ClaimReview JSON-LD in, `FactCheck` rows out.

Reads one object, an array, a `DataFeed` (`dataFeedElement`, whose elements may wrap their
reviews in `item`, as Google's feed format does), an `@graph`, or JSON Lines. Idempotent on
the review's `url`: importing the same archive twice changes nothing, a corrected review
replaces the old one. A record it cannot use is skipped with its reason; the rest go in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ..models import ClaimStatus, EvidenceStance, FactCheck, FactCheckEmbedding

MAX_TEXT = 10_000  # a claim longer than this is not a claim
_url = URLValidator(schemes=["http", "https"])


@dataclass
class Skipped:
    where: str
    reason: str


@dataclass
class Withdrawal:
    """A feed's DataFeedItem with `dateDeleted`: the review at `url` was withdrawn by its publisher."""

    url: str
    at: datetime


@dataclass
class ImportResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def stored(self) -> list[int]:
        return self.created + self.updated + self.unchanged


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type", obj.get("type", ""))
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for k in kinds}


def _reviews(obj, where: str) -> Iterator[tuple[str, object]]:
    """Every candidate ClaimReview object under `obj`, with where it stands in the file."""
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _reviews(item, f"{where}[{i}]")
    elif isinstance(obj, dict) and "@graph" in obj:
        yield from _reviews(obj["@graph"], f"{where}@graph")
    elif isinstance(obj, dict) and ("DataFeed" in _types(obj) or "dataFeedElement" in obj):
        yield from _reviews(obj.get("dataFeedElement") or [], f"{where}dataFeedElement")
    elif isinstance(obj, dict) and "DataFeedItem" in _types(obj) and obj.get("dateDeleted"):
        item = _first(obj.get("item"))
        deleted = parse_datetime(_text(obj.get("dateDeleted"))) or timezone.now()
        yield where, Withdrawal(_valid_url(item.get("url") or obj.get("url")), deleted)
    elif isinstance(obj, dict) and "DataFeedItem" in _types(obj):
        yield from _reviews(obj.get("item") or [], f"{where}.item")
    else:
        yield where, obj


def document_records(document, where: str) -> Iterator[tuple[str, object]]:
    """(where, object) for each record of a parsed JSON document (a followed feed's page)."""
    yield from _reviews(document, where)


def read_records(path: Path) -> Iterator[tuple[str, object]]:
    """(where, object) for each record of a JSON or JSON Lines file; a line that is no JSON is its own record."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield from _reviews(json.loads(line), f"{path}:{number}")
            except json.JSONDecodeError as exc:
                yield f"{path}:{number}", exc
        return
    yield from _reviews(document, str(path))


def _text(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    return " ".join(str(value or "").split())


def _first(value) -> dict:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, dict)), {})
    return value if isinstance(value, dict) else {}


def _valid_url(value) -> str:
    value = _text(value) if not isinstance(value, str) else value.strip()
    try:
        _url(value)
    except ValidationError:
        return ""
    return value[:1000]


def _date(value) -> date | None:
    text = _text(value)
    if not text:
        return None
    moment = parse_datetime(text)
    if moment is not None:
        return moment.date()
    try:
        return parse_date(text[:10])
    except ValueError:
        return None


def _rating(value) -> str:
    return _text(value)[:50]


def parse_review(obj) -> dict:
    """FactCheck fields from one ClaimReview object; raises ValueError naming what is wrong."""
    if isinstance(obj, Exception):
        raise ValueError(f"not JSON: {obj}")
    if not isinstance(obj, dict):
        raise ValueError(f"not an object but {type(obj).__name__}")
    if "ClaimReview" not in _types(obj):
        raise ValueError(f"not a ClaimReview (@type {obj.get('@type')!r})")
    claim = _text(obj.get("claimReviewed"))
    if not claim:
        raise ValueError("no claimReviewed")
    if len(claim) > MAX_TEXT:
        raise ValueError(f"claimReviewed has {len(claim)} characters (limit {MAX_TEXT})")
    url = _valid_url(obj.get("url"))
    if not url:
        raise ValueError("no http(s) url" if not obj.get("url") else f"url {str(obj.get('url'))[:100]!r} is not an http(s) URL")
    rating = _first(obj.get("reviewRating"))
    author = _first(obj.get("author"))
    item = _first(obj.get("itemReviewed"))
    appearances = item.get("appearance") or []
    appearances = appearances if isinstance(appearances, list) else [appearances]
    if item.get("firstAppearance"):
        appearances = [item["firstAppearance"], *appearances]
    appearance_urls = list(dict.fromkeys(
        u for u in (_valid_url(a.get("url") if isinstance(a, dict) else a) for a in appearances) if u
    ))
    return {
        "url": url,
        "claim_reviewed": claim,
        "headline": _text(obj.get("name") or obj.get("headline"))[:MAX_TEXT],
        "rating_name": _text(rating.get("alternateName") or rating.get("name"))[:300],
        "rating_value": _rating(rating.get("ratingValue")),
        "best_rating": _rating(rating.get("bestRating")),
        "worst_rating": _rating(rating.get("worstRating")),
        "author_name": _text(author.get("name") or obj.get("author"))[:300],
        "author_url": _valid_url(author.get("url")),
        "date_published": _date(obj.get("datePublished")),
        "item_author": _text(_first(item.get("author")).get("name") or item.get("author"))[:300],
        "appearance_urls": appearance_urls,
        "raw": obj,
    }


@transaction.atomic
def fact_check_store(*, fields: dict) -> tuple[FactCheck, str]:
    """Create or update one fact-check by its url. Returns (row, "created" | "updated" | "unchanged")."""
    existing = FactCheck.objects.select_for_update().filter(url=fields["url"]).first()
    if existing is None:
        fact_check = FactCheck(**fields)
        fact_check.full_clean()
        fact_check.save()
        return fact_check, "created"
    changed = [name for name, value in fields.items() if getattr(existing, name) != value]
    if not changed:
        return existing, "unchanged"
    for name in changed:
        setattr(existing, name, fields[name])
    existing.full_clean()
    existing.save(update_fields=[*changed, "updated_at"])
    if {"claim_reviewed", "headline"} & set(changed):  # its vectors describe the old text
        FactCheckEmbedding.objects.filter(fact_check=existing).delete()
    return existing, "updated"


def fact_checks_import(*, paths: list[Path]) -> ImportResult:
    """Store every usable ClaimReview of these files (embedding is the caller's next step)."""
    return fact_checks_import_records(record for path in paths for record in read_records(path))


def fact_checks_import_records(records: Iterable[tuple[str, object]], *, feed=None,
                               result: ImportResult | None = None) -> ImportResult:
    """Store every usable ClaimReview of these (where, object) records; `feed` is the followed
    DataFeed they came from. A withdrawal marks the review withdrawn; a review seen again is not."""
    result = result if result is not None else ImportResult()
    for where, obj in records:
        if isinstance(obj, Withdrawal):
            fact_check = fact_check_withdraw(url=obj.url, at=obj.at) if obj.url else None
            if fact_check is None:
                result.skipped.append(Skipped(where, "a withdrawal of a review never imported"))
            else:
                result.updated.append(fact_check.pk)
            continue
        try:
            fields = parse_review(obj)
            fields["withdrawn_at"] = None
            if feed is not None:
                fields["feed"] = feed
            fact_check, outcome = fact_check_store(fields=fields)
        except (ValueError, ValidationError) as exc:
            url = obj.get("url") if isinstance(obj, dict) else None
            result.skipped.append(Skipped(where + (f" ({str(url)[:120]})" if url else ""), _reason(exc)))
            continue
        getattr(result, outcome).append(fact_check.pk)
    return result


@transaction.atomic
def fact_check_withdraw(*, url: str, at: datetime) -> FactCheck | None:
    """Its publisher withdrew the review: kept (it was true of its day), marked, no longer alerting."""
    fact_check = FactCheck.objects.select_for_update().filter(url=url).first()
    if fact_check is not None and fact_check.withdrawn_at is None:
        fact_check.withdrawn_at = at
        fact_check.save(update_fields=["withdrawn_at", "updated_at"])
    return fact_check


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return str(exc.messages[0] if isinstance(exc, ValidationError) else exc)


# What a reviewRating means, read from its name first (docs/feeds.md has the table). Checked in
# this order: "not false" is no "false", "mostly false" is misleading, not false.
RATING_MEANINGS: tuple[tuple[str, re.Pattern], ...] = tuple((meaning, re.compile(pattern, re.IGNORECASE)) for meaning, pattern in (
    ("unproven", r"\b(unproven|unverifiable|unverified|no evidence|not enough|unsupported|research in progress|"
                 r"outdated|satire|opinion|explainer)\b"),
    ("misleading", r"\b(mostly false|mostly fake|misleading|missing context|lacks context|needs context|out of context|"
                   r"distorts?|distorted|exaggerat\w*|cherry[- ]pick\w*|spins?|half[- ]truth|two pinocchios|"
                   r"three pinocchios|partly false|partially false|mostly inaccurate)\b"),
    ("mixed", r"\b(half true|mixture|mixed|disputed|partly true|partially true|half[- ]right|mostly accurate|"
              r"one pinocchio|in dispute)\b"),
    ("false", r"\b(false|fake|pants (?:on )?fire|incorrect|inaccurate|wrong|hoax|debunked|fabricated|scam|baseless|"
              r"four pinocchios|refuted|bogus|untrue|not true)\b"),
    ("true", r"\b(true|correct|accurate|verified|confirmed|corroborated|legit|geppetto checkmark)\b"),
))
# Our verdict for each meaning (a false rating is refuted; misleading and mixed are disputed).
MEANING_VERDICTS = {
    "false": ClaimStatus.REFUTED, "misleading": ClaimStatus.DISPUTED, "mixed": ClaimStatus.DISPUTED,
    "true": ClaimStatus.CORROBORATED, "unproven": ClaimStatus.UNVERIFIABLE,
}
# Meanings that raise a repeat alert when the claim comes back.
ALERTING_MEANINGS = frozenset({"false", "misleading"})


def rating_meaning(*, name: str, value: str = "", best: str = "", worst: str = "") -> str:
    """"false", "misleading", "mixed", "true", "unproven", or "" when the rating says nothing we read.

    The name (alternateName, else name) decides; "not false" and "not true" are read as such.
    Without a name we know, a numeric ratingValue is placed on its best/worst scale (defaults
    5 and 1, schema.org's): the bottom fifth is false, up to two fifths misleading, up to three
    fifths mixed, above that true.
    """
    text = " ".join((name or "").replace("_", " ").replace("-", " ").split())
    if re.search(r"\bnot (false|fake|misleading)\b", text, re.IGNORECASE):
        return "true"
    for meaning, pattern in RATING_MEANINGS:
        if pattern.search(text + " "):
            return meaning
    try:
        number = float(value)
        high, low = float(best or 5), float(worst or 1)
    except ValueError:
        return ""
    if high == low or number < min(low, high) or number > max(low, high):
        return ""  # outside its own scale (our "unverifiable" is -1 on 1..3): no truth value
    position = (number - low) / (high - low)
    return "false" if position <= 0.2 else "misleading" if position <= 0.4 else "mixed" if position <= 0.6 else "true"


def fact_check_meaning(fact_check: FactCheck) -> str:
    return rating_meaning(name=fact_check.rating_name, value=fact_check.rating_value,
                          best=fact_check.best_rating, worst=fact_check.worst_rating)


def stance_from_rating(fact_check: FactCheck) -> str:
    """How a fact-check bears on a claim that states the same thing: a false rating contradicts it,
    a true one supports it; anything mixed, misleading or unproven is context."""
    meaning = fact_check_meaning(fact_check)
    return {"false": EvidenceStance.CONTRADICTS, "true": EvidenceStance.SUPPORTS}.get(meaning, EvidenceStance.CONTEXT)
