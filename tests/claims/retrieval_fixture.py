"""A small archive and its rankings, loaded the same way into any database (tests/claims/test_retrieval.py).

Rankings are given as texts, not ids: two databases number their rows differently.
"""

from claims.matching import retrieval
from claims.matching.engines import forget_process_state
from claims.matching.fact_checks import fact_check_store
from claims.models import Article, Claim, FactCheck
from sources.models import SourceKind
from sources.services import source_resolve

CLAIMS = [
    "The city council approved a budget of 2.1 billion dollars for next year.",
    "Police said the suspect fled in a grey van before officers arrived.",
    "The mayor said the new bridge will open to traffic in March.",
    "Heavy rain flooded the subway stations downtown on Tuesday night.",
    "The school board voted to close three elementary schools.",
]
FACT_CHECKS = [
    ("https://fc.example.org/1", "The bridge opening has been delayed until next autumn.", "Bridge delayed again"),
    ("https://fc.example.org/2", "The council budget is 2.1 billion dollars.", "Council budget figure checks out"),
    ("https://fc.example.org/3", "Three schools will close next year.", ""),
]
QUERIES = [
    "Next year's municipal budget: $2.1bn, approved by councillors",
    "When will the bridge open?",
    "Floods hit downtown metro stations after storms",
    "Van seen leaving before police got there",
]


def load_and_rank() -> dict[str, list[list]]:
    forget_process_state()
    publisher = source_resolve(name="Retrieval Fixture Gazette", kind=SourceKind.OUTLET)
    body = " ".join(CLAIMS)
    article = Article.objects.create(publisher=publisher, body=body, content_sha256="f" * 64, title="Fixture")
    start = 0
    ids = []
    for text in CLAIMS:
        ids.append(Claim.objects.create(article=article, start=start, end=start + len(text), text=text).pk)
        start += len(text) + 1
    retrieval.claims_embed(claim_ids=ids)
    stored = [fact_check_store(fields={"url": url, "claim_reviewed": claim, "headline": headline, "raw": {}})[0].pk
              for url, claim, headline in FACT_CHECKS]
    retrieval.fact_checks_embed(fact_check_ids=stored)
    texts = {("claim", pk): text for pk, text in Claim.objects.filter(pk__in=ids).values_list("pk", "text")}
    texts |= {("fact_check", pk): claim for pk, claim in FactCheck.objects.filter(pk__in=stored).values_list("pk", "claim_reviewed")}
    return {
        query: [[hit.kind, texts[(hit.kind, hit.id)], round(hit.score, 3)] for hit in hits]
        for query, hits in zip(QUERIES, retrieval.search_many(QUERIES, limit=5))
    }
