"""Generalisation checks for the attribution extractor.

1. The development set ``tests/sources/data/dev`` (eighteen original articles in
   the styles of other outlets, labelled by ATTRIBUTION.md; it ships with the
   project). dev01-05 were used to develop extractor 1.1.0; dev06-10 (court
   report, rural feature, foreign affairs, rumour-heavy business, tabloid sport)
   were added later and scored macro-F1 0.881 with 1.1.0 before any rule saw
   them. dev11-18 (election wire, investigation with anonymous sources, courts,
   UK health, markets, local TV site, college sports, tech) scored macro-F1
   0.902, speaker token-F1 0.814 and 5 spurious claims with 1.2.0 before any
   rule saw them. Extractor 1.3.0 reaches macro-F1 1.000, accuracy 1.000,
   speaker token-F1 0.963 over all eighteen (0.984 on dev01-10, 0.940 on
   dev11-18: their gold names a comma-appositive source with its role, "An
   Orison spokeswoman, Dana Whitcombe", where dev01-10 name the person alone);
   the floors below sit about 0.05 lower so a regression fails while harmless
   wording changes do not.
2. One-sentence probes of the general rules (not taken from any gold article):
   each states a journalistic convention the rules encode.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sources.attribution import extract
from sources.attribution.score import score_folder

DEV = Path(__file__).resolve().parent / "data" / "dev"


@pytest.fixture(scope="module")
def report():
    return score_folder(DEV)


def test_dev_set_quality_floor(report):
    overall = report["overall"]
    assert len(report["articles"]) == 18
    assert overall["sentences"] >= 380
    assert overall["macro_f1"] >= 0.95, report["errors"]
    assert overall["accuracy"] >= 0.95, report["errors"]
    assert overall["speaker_token_f1"] >= 0.91
    assert overall["coverage"] >= 0.97
    assert overall["spurious"] <= 2


def _subset(tmp_path, names):
    for name in names:
        for ext in ("txt", "json"):
            (tmp_path / f"{name}.{ext}").write_bytes((DEV / f"{name}.{ext}").read_bytes())
    return score_folder(tmp_path)["overall"]


def test_later_dev_articles_hold_up(tmp_path):
    # dev06-10 on their own: the articles the 1.1.0 rules were never developed on
    overall = _subset(tmp_path, ("dev06", "dev07", "dev08", "dev09", "dev10"))
    assert overall["macro_f1"] >= 0.93
    assert overall["accuracy"] >= 0.93
    assert overall["speaker_token_f1"] >= 0.91


def test_third_dev_round_holds_up(tmp_path):
    # dev11-18 on their own: the articles the 1.2.0 rules were never developed on
    overall = _subset(tmp_path, [f"dev{n}" for n in range(11, 19)])
    assert overall["macro_f1"] >= 0.93
    assert overall["accuracy"] >= 0.93
    assert overall["speaker_token_f1"] >= 0.88
    assert overall["per_level"]["vague"]["recall"] >= 0.85
    assert overall["spurious"] <= 1


def test_dev_set_every_level_is_found(report):
    per_level = report["overall"]["per_level"]
    for level in ("document", "official", "named_person", "other_outlet", "anonymous", "vague", "unattributed"):
        assert per_level[level]["f1"] >= 0.9, (level, per_level[level])


def test_dev_set_every_article_is_good(report):
    for name, s in report["articles"].items():
        assert s["accuracy"] >= 0.9, (name, s)


PROBES = [
    # organisations speak officially, whatever the NER calls them (rule 11)
    ("Acme Holdings said on Monday that profits fell.", ["official"]),
    ("The firm said it would appeal.", ["official"]),
    ("Toyota Motor Corp. said it would cut output.\n\nIt said demand had slumped.", ["official", "official"]),
    ("Economists at Barclays said growth would slow.", ["official"]),
    # outlets: gazetteer, descriptors ("the daily X", "X newspaper"), media, case-sensitive names
    ("The Daily Nation newspaper reported that the minister had resigned.", ["other_outlet"]),
    ("The Chilean daily La Tercera reported that the deal was close.", ["other_outlet"]),
    ("According to local media reports, three people died.", ["other_outlet"]),
    ("State media said the meeting was productive.", ["other_outlet"]),
    ("The Times reported that the minister had misled parliament.", ["other_outlet"]),
    # records (rule 13): subjects, "according to", a record's findings, a person quoting a record
    ("Records show the company paid no tax in 2019.", ["document"]),
    ("A study published in Nature found that the drug cut deaths by a third.", ["document"]),
    ("The analysis found no link between the two.", ["document"]),
    ("According to data from the census, the city grew by 4%.", ["document"]),
    ("Mr Smith wrote in the affidavit that he had seen the car.", ["document"]),
    ("He was arrested in 2019, court documents show.", ["document"]),
    # anonymous sources and their definite back-references (rules 9-10)
    ("People familiar with the talks said a deal was near.\n\nThe people said the price was $5bn.\n\n"
     "One of the people said banks were lined up.", ["anonymous", "anonymous", "anonymous"]),
    # unspecific groups with no access are weasel attribution
    ("Rural financial counsellors say farmers are struggling.", ["vague"]),
    ("Workers at the plant said they had not been paid for months.", ["vague"]),
    # people speaking for themselves (rule 11): lawyers, residents, academics, witnesses
    ('"We were terrified," said Javier Otero, who has worked at the plant for 20 years.', ["named_person"]),
    ("The family's lawyer, Ann Berry, told the court her client was innocent.", ["named_person"]),
    ("Maria Lopez, a professor of economics at Yale University, said rates would fall.", ["named_person"]),
    ("Sarah Kim, who lives next door, said she heard shots.\n\n\"It was terrifying,\" she said.",
     ["named_person", "named_person"]),
    # officials and spokespeople
    ("Police Chief Dana Moore said the suspect had fled.", ["official"]),
    ("The company's chief executive, Sam Lee, said sales were strong.", ["official"]),
    ("The WHO said the outbreak was under control.", ["official"]),
    # no cue: the article's own voice
    ("Shares in Acme Capital fell 5% on Tuesday.", ["unattributed"]),
    ("The bill is expected to be signed on Friday.", ["unattributed"]),
    # 1.2.0 -- a well-known outlet stays an outlet after a short back-reference
    # ("told the Post"); a nationality + descriptor names a paper
    ("People familiar with the plan told the Post that a vote was likely.\n\n"
     "The Washington Post reported that the deal had collapsed.", ["anonymous", "other_outlet"]),
    ("Italian newspaper Corriere della Sera reported that the coach would stay.", ["other_outlet"]),
    # lawyers speak for clients whatever modifies the title (rule 11); the person is remembered
    ("Defence lawyer Sarah Quinn told the jury that her client was at home.\n\nQuinn said the evidence was thin.\n\n"
     "She asked the jury to acquit him.", ["named_person", "named_person", "named_person"]),
    ("District Attorney Alvin Price said the case was strong.", ["official"]),
    # a request on the record is the requester's position
    ("Prosecutors asked the judge to impose a 10-year sentence.", ["official"]),
    # "report to <place>" is going somewhere, not telling
    ("Smith must report to the probation office within 72 hours.", ["unattributed"]),
    # a forecast or poll giving figures is a record
    ("The latest forecast gives a 70 per cent chance of rain.", ["document"]),
    # ", according to X" names who tells of an act
    ("The chairman has approved the signing, according to club sources.", ["anonymous"]),
    # the publisher's desk signing its own scoop (rule 14)
    ("The club are weighing a bid, BBC Sport has learned.", ["unattributed"]),
    # a named individual in apposition to a personal role
    ("His agent, Tony Blake, told the Mirror the player was staying.", ["named_person"]),
    # an official post given in apposition is remembered for the surname
    ("The group's chief executive, Anna Weiss, declined to comment.\n\nWeiss has said the company would cut costs.",
     ["unattributed", "official"]),
    # presenting something as evidence of a clause argues it
    ("The minister pointed to the figures as proof that the policy was working.", ["official"]),
    # a rumour in a parallel "while" clause (rule 12)
    ("Sales rose 5%, while the firm is rumoured to be preparing a takeover bid.", ["vague"]),
    # 1.3.0 -- hedges with no source (rule 12): scope-adverb passives, "It is believed",
    # being "the focus of rumours"; unnamed groups and their leaders
    ("The collapse is widely blamed on years of poor maintenance.", ["vague"]),
    ("The delay is attributed to a shortage of steel.", ["unattributed"]),
    ("It is believed that the contractor will appeal.", ["vague"]),
    ("The mayor has been the focus of rumours about a run for governor.", ["vague"]),
    ("Farmers' representatives say the tolls will hurt small growers.", ["vague"]),
    ("Rights groups warn that the detention centre is overcrowded.", ["vague"]),
    ("Some investors attributed the rally to hopes of a rate cut.", ["vague"]),
    ("The senator's critics accuse her of ignoring the report.", ["vague"]),
    # the main clause, not a trailing reduced relative, governs (rule 8)
    ("Tenants say the heating has failed for weeks, a problem landlords have acknowledged.", ["vague"]),
    # relatives speak for themselves (rule 11)
    ("The victim's mother said he had been threatened before.", ["named_person"]),
    ("He had never missed a shift, according to his family.", ["named_person"]),
    # a court's ruling is official, also as "refused to <act>"
    ("A judge in Ohio refused to dismiss the charges against the contractor.", ["official"]),
    # speaking participles and speech vehicles make a statement; "declined to comment" makes none
    ("Harriet Cole, speaking to reporters outside the court, did not rule out an appeal.", ["named_person"]),
    ("Senator Jo Park defended the vote in an interview on Sunday.", ["official"]),
    ("A council spokesman declined to comment on the cost.", ["unattributed"]),
    # "reportedly told": that the telling happened is what unnamed reports relay (rule 13)
    ("The striker reportedly told teammates that he wanted to leave.", ["other_outlet"]),
    # records: a record citing its evidence, a trailing record tag the parser misreads
    ("The budget report cites figures from the treasury.", ["document"]),
    ("Shipments rose 4 percent in March, figures released by the agency show.", ["document"]),
    # a team's coach speaks for the club (rule 11, like an executive)
    ("Redhawks coach Sam Ortiz said the quarterback would start.", ["official"]),
    # observers from a named mission report its findings
    ("Observers from the Regional Audit Mission said the tender was fair.", ["official"]),
]


@pytest.mark.parametrize("body,levels", PROBES, ids=[p[0][:40] for p in PROBES])
def test_general_rule_probes(body, levels):
    claims = extract("Headline\n\n" + body, "Example News")
    assert [c.attribution_level for c in claims] == levels, [(c.speaker, c.reason) for c in claims]


def test_appositive_name_is_the_speaker():
    (claim,) = extract("Headline\n\nThe housing minister, Lee Pritchard, insisted the plan was intact.", "X")
    assert (claim.attribution_level, claim.speaker) == ("official", "Lee Pritchard")


def test_speaker_spans_as_the_text_names_them():
    # a dateline is not part of the speaker; an anonymity grant is, however long;
    # a descriptor run into the name stays; "is said to have" keeps "is said to"
    claims = extract("Headline\n\nLisbury (WNS) - The city's opposition claimed victory on Monday.\n\n"
                     "Three engineers who spoke on condition of anonymity because they feared losing their "
                     "contracts said the cables were frayed.\n\nRedhawks coach Sam Ortiz said the team was ready."
                     "\n\nThe firm is said to have hired advisers.\n\nIt is understood that talks will resume.", "X")
    assert [(c.attribution_level, c.speaker) for c in claims] == [
        ("official", "The city's opposition"),
        ("anonymous", "Three engineers who spoke on condition of anonymity because they feared losing their contracts"),
        ("official", "Redhawks coach Sam Ortiz"),
        ("vague", "is said to"),
        ("vague", "It is understood"),
    ]


def test_captions_and_promotions_are_not_claims():
    text = ("Headline\nPosted 6:42 PM, Aug 12, 2024\n"
            "A crane lifts a span into place on Monday. (Photo: John Smith/Getty Images)\n"
            "The bridge opened on Tuesday.\n"
            "Sign up for our free newsletter to get the latest council news delivered to your inbox.\n"
            "Related: Council votes to raise parking fees across the city centre next year.\n"
            "Traffic was light on the first day.\n")
    assert [c.text for c in extract(text, "X")] == ["The bridge opened on Tuesday.", "Traffic was light on the first day."]


def test_record_writer_keeps_the_record():
    # '"...," Malik wrote.' after the memo he sent was cited is still the memo (rule 13)
    claims = extract("Headline\n\nThe memo, sent by hardware chief Oren Malik, says the phones will be dropped."
                     "\n\n\"This is not a retreat,\" Malik wrote.", "X")
    assert [c.attribution_level for c in claims] == ["document", "document"]


def test_who_is_not_the_world_health_organization():
    # case-sensitive gazetteer entries: "who" the pronoun is not "WHO"
    (claim,) = extract("Headline\n\nRosie Delgado, who ran the bakery, said she was shocked.", "X")
    assert claim.attribution_level == "named_person"


def test_outlet_citing_a_source_relays_it():
    # rule 4: the cited source speaks, the outlet is via_outlet
    (claim,) = extract("Headline\n\nBloomberg reported, citing people familiar with the matter, "
                       "that the bank was considering a sale.", "X")
    assert (claim.attribution_level, claim.via_outlet) == ("anonymous", "Bloomberg")


def test_publisher_told_is_not_a_relay():
    # "told the Mirror" in the Mirror is the publisher itself, not via_outlet
    (claim,) = extract("Headline\n\nHer lawyer, John Hart, told the Mirror she would appeal.", "Daily Mirror")
    assert (claim.attribution_level, claim.speaker, claim.via_outlet) == ("named_person", "John Hart", None)
