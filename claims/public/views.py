"""The public fact-check page and feed: no sign-in, escaped text, the site's strict CSP.

Thin views over claims.selectors and claims.delivery.publishing. A claim with no verdict
ever is 404; a withdrawn fact-check is 410 Gone (with the reason); a claim being
re-checked keeps serving its last verdict.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny

from sources.levels import AttributionLevel

from .. import selectors
from ..api.views import ClaimReviewFeedApi
from ..corroboration.provenance import provenance
from ..delivery.publishing import RATINGS, claim_appearances, claim_review_jsonld, newsroom_base
from ..models import ClaimStatus, HistoryKind

# Characters that could end a <script> data block or open markup inside it, as JSON escapes.
_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}

LEVEL_WORDS = {
    AttributionLevel.DOCUMENT: "a document",
    AttributionLevel.OFFICIAL: "an official on the record",
    AttributionLevel.NAMED_PERSON: "a named person",
    AttributionLevel.OTHER_OUTLET: "another news outlet",
    AttributionLevel.ANONYMOUS: "an anonymous source",
    AttributionLevel.VAGUE: "a vague attribution (no one in particular)",
    AttributionLevel.UNATTRIBUTED: "the article itself, in its own voice",
}
ROLE_WORDS = {"speaker": "said by", "relayed_by": "relayed by", "published_by": "published by"}


def jsonld_script_text(data: dict) -> str:
    """JSON for a <script type="application/ld+json"> block: no `</script>` can appear in it."""
    return mark_safe(json.dumps(data, ensure_ascii=False, indent=2).translate(_SCRIPT_ESCAPES))  # noqa: S308


def safe_link(url: str) -> str:
    """The url when it is http(s), else "" (shown as text, never as a link)."""
    return url if urlsplit(url).scheme.lower() in ("http", "https") and urlsplit(url).netloc else ""


def fact_check_page(request, claim_id: int):
    fact_check = selectors.published_verdict_get(claim_id=claim_id)
    if fact_check is None:
        group_id = selectors.copy_group_first_id(claim_id=claim_id)
        if group_id is not None:  # a copy: its group's fact-check is its fact-check
            return redirect("public-fact-check", claim_id=group_id)
        # The service's own page, with DEBUG on too (Http404 would show Django's debug page in `make run`).
        context = {"newsroom_name": settings.NEWSROOM_NAME, "claim_known": selectors.claim_get(claim_id=claim_id) is not None}
        return render(request, "claims/public/not_found.html", context, status=404)
    claim = fact_check.claim
    if fact_check.is_withdrawn:
        context = {"claim": claim, "fact_check": fact_check, "newsroom_name": settings.NEWSROOM_NAME}
        return render(request, "claims/public/withdrawn.html", context, status=410)
    base = newsroom_base(request.build_absolute_uri("/"))
    appearances = claim_appearances(claim)
    chain = [{"role": ROLE_WORDS[link.role], "name": link.name} for link in provenance(claim)]
    evidence = [
        {"stance": e.get_stance_display(), "source": e.source.name if e.source else "", "url": e.url,
         "link": safe_link(e.url), "note": e.note}
        for e in selectors.fact_check_evidence(claim_id=claim.pk)
    ]
    history = [
        {"at": change.at, "withdrawal": change.kind == HistoryKind.WITHDRAWAL,
         "verdict": RATINGS[change.to_status][1] if change.to_status in RATINGS else ClaimStatus(change.to_status).label,
         "note": change.note}
        for change in selectors.claim_verdict_history(claim_id=claim.pk)
    ]
    context = {
        "newsroom_name": settings.NEWSROOM_NAME,
        "claim": claim,
        "fact_check": fact_check,
        "verdict_name": RATINGS[fact_check.verdict][1],
        "level_words": LEVEL_WORDS.get(claim.attribution_level, claim.get_attribution_level_display()),
        "chain": chain,
        "evidence": evidence,
        "appearances": [{"a": a, "link": safe_link(a.url)} for a in appearances],
        "history": history,
        "rechecking": claim.status != fact_check.verdict,
        "jsonld": jsonld_script_text(
            claim_review_jsonld(claim, fact_check=fact_check, appearances=appearances, base_url=base)
        ),
    }
    return render(request, "claims/public/fact_check.html", context)


class FeedView(ClaimReviewFeedApi):
    """The API's feed, public: /fact-checks/feed.json (same items, same cursor)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request):
        return super().get(request)
