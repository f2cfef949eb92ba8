"""Normalisation of names (source resolution) and of sentences (copy groups), pure Python."""

import hashlib
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
    folded = _SPACES.sub(" ", text).strip(" .-").casefold()
    # A name of symbols alone ("×", "!!!") is still the name someone wrote: it is its own key
    # (only a blank name has none).
    return folded or _SPACES.sub(" ", unicodedata.normalize("NFKC", name or "")).strip().casefold()


_SENTENCE_TOKEN = re.compile(r"[\w$€£¥%]+", re.UNICODE)


def normalize_sentence(text: str) -> str:
    """The words and figures of a sentence, case-folded, in order: what stays the same between two
    copies of one wire story (quote marks, dashes, spacing and a final full stop do not).

    "The ‘deal’ — worth $5bn — collapsed." and "the 'deal' - worth $5bn - collapsed" ->
    "the deal worth $5bn collapsed". Figures keep their digits ("1.5" -> "1 5", never "15").
    """
    return " ".join(_SENTENCE_TOKEN.findall(unicodedata.normalize("NFKC", text or "").casefold()))


def sentence_key(text: str) -> str:
    """A 32-character key of the normalised sentence (blake2b, 128 bits): equal keys, equal words."""
    return hashlib.blake2b(normalize_sentence(text).encode("utf-8"), digest_size=16).hexdigest()
