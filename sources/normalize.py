"""Name normalisation shared by source resolution and matching (pure Python)."""

import re
import unicodedata

_LEADING_ARTICLE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s$")
_NON_WORD = re.compile(r"[^\w\s&.-]+")
_SPACES = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """Fold case, accents-insensitive spacing, a leading article and a trailing possessive.

    "The New York Times" and "New York Times" -> "new york times".
    """
    text = unicodedata.normalize("NFKC", name or "").strip()
    text = _SPACES.sub(" ", text)
    text = _POSSESSIVE.sub("", text)
    text = _NON_WORD.sub(" ", text)
    text = _LEADING_ARTICLE.sub("", text.strip())
    return _SPACES.sub(" ", text).strip(" .-").casefold()
