"""Bad input never crashes the extractor; offsets stay exact."""

from __future__ import annotations

import pytest

from sources.attribution import CHUNK_CHARS, extract


@pytest.mark.parametrize("text", ["", " ", "\n\n\t  \n", "\x00\x00", "\u200b"])
def test_empty_like(text):
    claims = extract(text)
    for c in claims:
        assert c.text == text[c.start : c.end]
    assert len(claims) <= 1


def test_non_string_raises_value_error():
    with pytest.raises(ValueError):
        extract(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        extract(12345)  # type: ignore[arg-type]


def test_control_characters_and_nul_bytes():
    text = "Police said\x00 the road\x07 was closed.\x1b Officials said it would reopen.\x0c\nDone\x00."
    claims = extract(text)
    assert claims
    for c in claims:
        assert c.text == text[c.start : c.end]
    assert claims[0].attribution_level == "official"


def test_non_english_and_no_punctuation():
    for text in [
        "Der Minister sagte am Montag, dass die Gespräche fortgesetzt werden. Die Opposition widersprach.",
        "日本政府は月曜日に声明を発表した。交渉は続く。",
        "no punctuation at all in this line just words and more words\nanother line without a stop",
        "?!?!...,,,;;;---",
    ]:
        claims = extract(text)
        for c in claims:
            assert c.text == text[c.start : c.end]
            assert c.start < c.end


def test_long_text_is_chunked_with_exact_offsets():
    para = (
        "Police said the road was closed on Monday. Analysts say traffic will suffer. "
        "The council met on Tuesday.\n\n"
    )
    text = para * (2 * CHUNK_CHARS // len(para) + 5)
    assert len(text) > 2 * CHUNK_CHARS
    claims = extract(text)
    assert len(claims) == 3 * text.count(para)
    for c in claims[:: max(1, len(claims) // 50)]:
        assert c.text == text[c.start : c.end]
    levels = [c.attribution_level for c in claims[-3:]]
    assert levels == ["official", "vague", "unattributed"]


def test_five_megabytes_without_whitespace_or_sentences():
    text = "x" * (5 * 1024 * 1024)
    claims = extract(text)
    assert claims
    assert claims[0].start == 0 and claims[-1].end == len(text)
    assert all(len(c.text) <= 3000 for c in claims)


def test_bytes_are_decoded():
    claims = extract("Police said the road was closed.".encode())  # type: ignore[arg-type]
    assert claims[0].attribution_level == "official"
