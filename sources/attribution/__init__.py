"""Attribution extractor: who, as the article tells it, stands behind each claim.

Pure Python on top of spaCy: no database, no network, no Django models. See
``ATTRIBUTION.md`` for the seven levels and the labelling rules.

    >>> from sources.attribution import extract
    >>> claims = extract(article_text, publisher="Yahoo News")
"""

from .extractor import (
    CHUNK_CHARS,
    DEFAULT_MODEL,
    EXTRACTOR_VERSION,
    SPEAKER_KINDS,
    ExtractedClaim,
    extract,
    extract_many,
    get_nlp,
)

__all__ = [
    "CHUNK_CHARS",
    "DEFAULT_MODEL",
    "EXTRACTOR_VERSION",
    "SPEAKER_KINDS",
    "ExtractedClaim",
    "extract",
    "extract_many",
    "get_nlp",
]
