"""Extractor 1.5.0: cues the small parser's tree hides, frame clauses that carry
the news, and unnamed polls.

Every sentence here is original (written for these tests, not taken from any
PolNeAR article or gold file); each probes one general convention.
"""

from __future__ import annotations

import pytest

from tests.sources.test_extractor_patterns import one


@pytest.mark.parametrize(
    "sentence, speaker",
    [
        # an opening "X says that", whatever the tagger made of the verb
        ("Some note that the tunnel was finished two years late.", "Some"),
        ("The senator continues to insist, most recently in a radio interview, that the channel is safe.",
         "The senator"),
        ('Priya Natarajan, an engineer who inspected the span, recalled, "The bolts were already rusting."',
         "Priya Natarajan"),
        # a statement that carries the news (rule 8's exception)
        ("The ferry operator issued a statement saying the service would resume on Friday.", "The ferry operator"),
        ("There are some engineers who argue that the bridge should be closed.", "some engineers"),
        ("As stated in the auditor's report, the fund lost $2 million last year.", "the auditor's report"),
    ],
)
def test_hidden_cues_attribute_the_sentence(sentence, speaker):
    c = one(sentence)
    assert c.attribution_level != "unattributed", c.reason
    assert c.speaker == speaker, (c.speaker, c.reason)


def test_a_response_that_is_to_say_belongs_to_its_owner():
    c = one("His first response was to say the figures had been misread.",
            lead="Councillor Tom Baird defended the budget on Monday.")
    assert c.attribution_level != "unattributed", c.reason
    assert "Baird" in c.speaker


def test_mentioned_as_is_a_hedge():
    c = one("The councillor has been mentioned as a possible candidate for mayor.")
    assert c.attribution_level == "vague" and c.speaker_is_source is False


@pytest.mark.parametrize(
    "sentence",
    [
        # rule 8: a reporting verb in a relative or subordinate clause
        "The mayor, who says the plan is sound, opened the depot on Tuesday.",
        "While officials argue the plan is sound, the depot remains shut.",
        # a possessive makes the cue a noun
        "Baird's claims that the vote was rigged have been rejected by the court.",
        # "state" the noun is no verb of saying
        "Battleground state Ohio is nearly 4% Hungarian American.",
    ],
)
def test_rule_8_and_nouns_still_hold(sentence):
    assert one(sentence).attribution_level == "unattributed"


def test_unnamed_polls_are_speaker_text_but_not_sources():
    for s in ("Polls show the race tightening in the county.", "Instant polls showed the challenger ahead."):
        c = one(s)
        assert c.attribution_level == "document" and c.speaker
        assert c.speaker_is_source is False and c.speaker_name is None


@pytest.mark.parametrize(
    "sentence, level, speaker",
    [
        # people no list knows, speaking with a verb only people take
        ("Cement makers argue that imports have doubled.", "vague", "Cement makers"),
        ("Companies say the new rule would raise their costs.", "vague", "Companies"),
        ("The families said the settlement was too small.", "named_person", "The families"),
    ],
)
def test_unlisted_people_who_say(sentence, level, speaker):
    c = one(sentence)
    assert (c.attribution_level, c.speaker) == (level, speaker), c.reason
