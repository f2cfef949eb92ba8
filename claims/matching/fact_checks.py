"""Imported fact-checks: schema.org ClaimReview JSON-LD in, `FactCheck` rows out.

Reads one object, an array, a `DataFeed` (`dataFeedElement`, whose elements may wrap their
reviews in `item`, as Google's feed format does), an `@graph`, or JSON Lines. Idempotent on
the review's `url`: importing the same archive twice changes nothing, a corrected review
replaces the old one. A record it cannot use is skipped with its reason; the rest go in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.dateparse import parse_date, parse_datetime

from ..models import EvidenceStance, FactCheck, FactCheckEmbedding

MAX_TEXT = 10_000  # a claim longer than this is not a claim
_url = URLValidator(schemes=["http", "https"])


@dataclass
class Skipped:
    where: str
    reason: str


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
    elif isinstance(obj, dict) and "DataFeedItem" in _types(obj):
        yield from _reviews(obj.get("item") or [], f"{where}.item")
    else:
        yield where, obj


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
    result = ImportResult()
    for path in paths:
        for where, obj in read_records(path):
            try:
                fields = parse_review(obj)
                fact_check, outcome = fact_check_store(fields=fields)
            except (ValueError, ValidationError) as exc:
                url = obj.get("url") if isinstance(obj, dict) else None
                result.skipped.append(Skipped(where + (f" ({str(url)[:120]})" if url else ""), _reason(exc)))
                continue
            getattr(result, outcome).append(fact_check.pk)
    return result


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return str(exc.messages[0] if isinstance(exc, ValidationError) else exc)


_FALSE_WORDS = ("false", "fake", "pants on fire", "incorrect", "wrong", "hoax", "debunked", "fabricated", "scam")
_TRUE_WORDS = ("true", "correct", "accurate", "verified", "confirmed")


def stance_from_rating(fact_check: FactCheck) -> str:
    """How a fact-check bears on a claim that states the same thing: its rating, read as words
    ("False", "Mostly true") or as a number on its scale; anything mixed is context."""
    name = fact_check.rating_name.lower()
    if any(word in name for word in ("mostly false", "half", "mixture", "mixed", "misleading", "unproven", "partly")):
        return EvidenceStance.CONTEXT
    if any(word in name for word in _FALSE_WORDS) and "not false" not in name:
        return EvidenceStance.CONTRADICTS
    if any(word in name for word in _TRUE_WORDS):
        return EvidenceStance.SUPPORTS
    try:
        value, best, worst = (float(x) for x in (fact_check.rating_value, fact_check.best_rating, fact_check.worst_rating))
    except ValueError:
        return EvidenceStance.CONTEXT
    if best == worst:
        return EvidenceStance.CONTEXT
    position = (value - worst) / (best - worst)
    return EvidenceStance.SUPPORTS if position >= 0.75 else EvidenceStance.CONTRADICTS if position <= 0.25 else EvidenceStance.CONTEXT
