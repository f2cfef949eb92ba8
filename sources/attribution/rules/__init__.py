"""Attribution rules over one parsed sentence (spaCy dependency structure).

Everything here reads tokens of an already-parsed ``Doc``; nothing calls the
pipeline again. Five modules, each building on the ones before it:

- :mod:`.helpers`: levels, :class:`Finding`, :class:`ArticleContext`, noun-phrase and outlet helpers;
- :mod:`.speakers`: speaker classification (:func:`classify_np`);
- :mod:`.clauses`: clause structure (main verbs, subjects, tags, hedges);
- :mod:`.surface`: cues read off the word order where the parse hides them (the last resort);
- :mod:`.sentence`: the sentence rules (:func:`attribute_sentence`).

This package re-exports their names, so ``rules.X`` keeps working.
"""

from .helpers import (  # noqa: F401
    DOCUMENT,
    OFFICIAL,
    NAMED,
    OUTLET,
    ANON,
    VAGUE,
    UNATTRIBUTED,
    OWN,
    _SUBJ,
    _OBJ,
    _CUT_PUNCT,
    _TOPIC_PREPS,
    _PRONOUNS_PERSON,
    _PRONOUNS_THING,
    _PRONOUNS_PLURAL,
    _PRONOUNS_FIRST,
    _SPOKES,
    _GROWTH_VERBS,
    _INDEF,
    _OUTLET_SUFFIXES,
    _PAPER_WORDS,
    _REPORT_NOUNS,
    _MEDIA_WORDS,
    _TITLE_LIKE,
    _GOV_WORDS,
    Finding,
    ArticleContext,
    _outlet_key,
    publisher_keys,
    _span_text,
    np_bounds,
    _ANON_GRANTS,
    _grants_anonymity,
    _outlet_agent,
    _MEMBER_NOUNS,
    _prep_is_identity,
    _words,
    _owords,
    _role_tokens,
    _role_words,
    _has_person,
    _proper,
    is_outlet_name,
    is_paper_backref,
    is_outlet,
    _SPEAK_LEMMAS,
)
from .speakers import (  # noqa: F401
    _QUANT_HEADS,
    _BACKREF_LEMMAS,
    _DEFINITE,
    name_chain,
    person_evidence,
    _human_noun,
    known_org,
    _appos_name,
    classify_np,
    _publisher_desk,
    _personal_title_head,
    _lexicon,
    _group_word,
    _common_word,
    _proper_name_head,
)
from .clauses import (  # noqa: F401
    main_verbs,
    subject_of,
    _inverted_subject,
    is_tag,
    _XCOMP_CLAIMS,
    has_clausal_complement,
    hedge_phrase,
    _agentless_passive,
    _find_via,
    outlet_subspan,
    _reduced_relative,
    subject_of_own,
)
from .surface import surface_tag  # noqa: F401
from .sentence import (  # noqa: F401
    _finding_from_np,
    attribute_sentence,
    sentence_anonymity,
    _AUTHOR_VERBS,
    _remember_writer,
    _FINDING_FORMS,
    _trailing_record_tag,
    _subject_hedge,
    _NO_COMMENT_VERBS,
    _COMMENT_VERBS,
    _speaking_participle,
    _speech_vehicle,
    _is_request,
    _as_evidence_that,
    _verb_finding,
    _according_to,
    _trailing,
    fronted_according,
    _governs_main,
    _hedges,
)
