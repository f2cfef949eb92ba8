"""The Sourcing report's facts, as SQL both databases run (issue 29).

One definition serves three readers: the statement triggers that keep claims_sourcingtally on
PostgreSQL (migration 0023), the command that rebuilds that table, and SQLite, which computes the
report from the claims directly.

What is counted, a row per (grain, period, publisher, dimension, level, value):
- ("claims", level, status) for every claim, for each outlet that ran it: its article's publisher
  and each other publisher its article appeared under (claims_articleappearance, once an outlet),
  in the period of that outlet's story (its published_at, else when it reached us);
- ("anonymous_share", "", "anonymous" or "other") for each of those: an outlet's ranking reads two
  rows a period, not one a level and status;
- ("desk_claims", level, status) without a publisher for each copy group once (its lead, in its
  own article's period): a dimension of its own, so the planner's statistics on dimension tell
  these few rows from the outlets' many;
- ("speaker", level, speaker id) without a publisher, for each attributed lead, by month only (the
  report ranks speakers over whole months);
- ("time_to_verdict", "", hours) for each lead with a verdict, in the period of its verdict, for
  its outlets, and ("desk_time_to_verdict", "", hours) once without a publisher: hours from intake
  to verdict, to the hour below 48, to the day below 60 days, then to 30 days;
- ("reviewer", "", user id) without a publisher: the verdict's assignee, in its verdict's period.
"""

from __future__ import annotations

from sources.levels import AttributionLevel

from ..models import VERDICTS

ANONYMOUS = AttributionLevel.ANONYMOUS.value

GRAINS = ("week", "month")
# The dimensions counted for each outlet and, under names of their own, once for the whole desk.
DESK_DIMENSIONS = {"claims": "desk_claims", "time_to_verdict": "desk_time_to_verdict"}
VERDICT_VALUES = tuple(sorted(str(v) for v in VERDICTS))
# Hours below which time to verdict is kept to the hour, then to the day (a bucket is its lower bound).
HOURLY_BELOW, DAILY_BELOW = 48, 24 * 60

_DIALECTS = {
    "postgresql": {
        "period": "date_trunc(g.grain, {ts} AT TIME ZONE 'UTC')::date",
        "hours": "greatest(extract(epoch FROM r.verdict_at - r.created_at) / 3600, 0)",
        "int": "floor({x})::bigint",
        "text": "CAST({x} AS text)",
    },
    "sqlite": {
        "period": "CASE g.grain WHEN 'week' THEN date({ts}, '-6 days', 'weekday 1') ELSE date({ts}, 'start of month') END",
        # to the second: julianday's float would put 10 h at 9.99999 h
        "hours": "max(round((julianday(r.verdict_at) - julianday(r.created_at)) * 86400) / 3600.0, 0)",
        "int": "CAST({x} AS INTEGER)",
        "text": "CAST({x} AS TEXT)",
    },
}


def _first(appearances: str) -> str:
    """No earlier appearance of the same article under the same outlet in `appearances` (the
    first counts; a deleted one is compared with the others deleted beside it)."""
    return (f"NOT EXISTS (SELECT 1 FROM {appearances} q WHERE q.article_id = p.article_id "
            "AND q.publisher_id = p.publisher_id AND q.id < p.id)")


def _runs(claims: str, *, appearances: str | None, own: bool) -> str:
    """Each claim of `claims` once for each outlet that ran it: its article's publisher (if `own`)
    and the publishers of `appearances` (the first appearance an outlet, not its own publisher)."""
    columns = ("c.id, c.attribution_level AS level, c.status, c.copy_of_id, c.speaker_id, c.assignee_id, "
               "c.verdict_at, c.created_at")
    parts = []
    if own:
        parts.append(f"SELECT {columns}, a.publisher_id AS pub, coalesce(a.published_at, a.created_at) AS story_at, "
                     f"1 AS own FROM {claims} c JOIN claims_article a ON a.id = c.article_id")
    if appearances:
        parts.append(
            f"SELECT {columns}, p.publisher_id AS pub, coalesce(p.published_at, p.created_at) AS story_at, 0 AS own "
            f"FROM {claims} c JOIN claims_article a ON a.id = c.article_id "
            f"JOIN {appearances} p ON p.article_id = c.article_id "
            f"WHERE p.publisher_id <> a.publisher_id AND "
            + " AND ".join(_first(table) for table in dict.fromkeys(("claims_articleappearance", appearances)))
        )
    return " UNION ALL ".join(parts)


def facts_sql(claims: str, *, vendor: str, sign: int = 1, appearances: str | None = "claims_articleappearance",
              own: bool = True) -> str:
    """SELECT grain, period, publisher_id, dimension, level, value, n: one row a fact (n = `sign`)
    of the claims in relation `claims` (a table or a trigger's transition table)."""
    d = _DIALECTS[vendor]
    verdicts = ", ".join(f"'{v}'" for v in VERDICT_VALUES)
    hours = d["hours"]
    bucket = (f"CASE WHEN {hours} < {HOURLY_BELOW} THEN {d['int'].format(x=hours)} "
              f"WHEN {hours} < {DAILY_BELOW} THEN {d['int'].format(x=f'{hours} / 24')} * 24 "
              f"ELSE {d['int'].format(x=f'{hours} / 720')} * 720 END")
    story = d["period"].format(ts="r.story_at")
    verdict = d["period"].format(ts="r.verdict_at")
    lead, group_once = "r.copy_of_id IS NULL", "r.own = 1 AND r.copy_of_id IS NULL"
    decided = f"{lead} AND r.status IN ({verdicts}) AND r.verdict_at IS NOT NULL"
    rows = [
        (story, "r.pub", "'claims'", "r.level", "r.status", "1 = 1"),
        (story, "NULL", f"'{DESK_DIMENSIONS['claims']}'", "r.level", "r.status", group_once),
        # each outlet's anonymous and other claims: two rows an outlet and period for its ranking
        (story, "r.pub", "'anonymous_share'", "''",
         f"CASE WHEN r.level = '{ANONYMOUS}' THEN 'anonymous' ELSE 'other' END", "1 = 1"),
        (story, "NULL", "'speaker'", "r.level", d["text"].format(x="r.speaker_id"),
         f"{group_once} AND r.speaker_id IS NOT NULL AND g.grain = 'month'"),
        (verdict, "r.pub", "'time_to_verdict'", "''", d["text"].format(x=bucket), decided),
        (verdict, "NULL", f"'{DESK_DIMENSIONS['time_to_verdict']}'", "''", d["text"].format(x=bucket), f"r.own = 1 AND {decided}"),
        (verdict, "NULL", "'reviewer'", "''", d["text"].format(x="r.assignee_id"),
         f"r.own = 1 AND {decided} AND r.assignee_id IS NOT NULL"),
    ]
    grains = " UNION ALL ".join(f"SELECT '{grain}' AS grain" for grain in GRAINS)
    runs = _runs(claims, appearances=appearances, own=own)
    # The runs once (a CTE read six times is materialised), then a branch a kind of fact.
    facts = " UNION ALL ".join(
        f"SELECT g.grain, {period} AS period, {publisher} AS publisher_id, {dimension} AS dimension, "
        f"{level} AS level, {value} AS value, {sign} AS n FROM runs AS r CROSS JOIN ({grains}) AS g WHERE {where}"
        for period, publisher, dimension, level, value, where in rows
    )
    return f"WITH runs AS ({runs}) SELECT * FROM ({facts}) AS facts"


def ledger_append(*changes: str) -> str:
    """INSERT the net change of `changes` (facts_sql selects) into claims_sourcingtally."""
    return (
        "INSERT INTO claims_sourcingtally (grain, period, publisher_id, dimension, level, value, claims, folded) "
        "SELECT grain, period, publisher_id, dimension, level, value, sum(n), false "
        f"FROM ({' UNION ALL '.join(f'({change})' for change in changes)}) AS f "
        "GROUP BY grain, period, publisher_id, dimension, level, value HAVING sum(n) <> 0"
    )


# The columns of claims_claim a fact reads: an UPDATE changing none of them changes no fact.
FACT_COLUMNS = ("attribution_level", "status", "copy_of_id", "speaker_id", "assignee_id", "verdict_at",
                "created_at", "article_id")


def _body(insert: str, update: str | None, delete: str) -> str:
    branches = f"IF TG_OP = 'INSERT' THEN {insert}; "
    if update:
        branches += f"ELSIF TG_OP = 'UPDATE' THEN {update}; "
    return f"BEGIN {branches}ELSE {delete}; END IF; RETURN NULL; END"


def trigger_statements() -> list[str]:
    """PostgreSQL: the functions and statement triggers that keep claims_sourcingtally exact."""
    pg = "postgresql"
    # An UPDATE counts the rows whose facts' columns changed (a priority or a score changes none).
    # PostgreSQL allows no column list on a trigger with transition tables, hence this join.
    columns = ", ".join(FACT_COLUMNS)
    changed = (f"(SELECT {{side}}.* FROM new_rows n JOIN old_rows o ON o.id = n.id "
               f"WHERE ({', '.join('o.' + c for c in FACT_COLUMNS)}) IS DISTINCT FROM ({', '.join('n.' + c for c in FACT_COLUMNS)}))")
    claim_body = _body(
        ledger_append(facts_sql("new_rows", vendor=pg)),
        ledger_append(facts_sql(changed.format(side="n"), vendor=pg), facts_sql(changed.format(side="o"), vendor=pg, sign=-1)),
        ledger_append(facts_sql("old_rows", vendor=pg, sign=-1)),
    )
    # An appearance adds or takes out its outlet's share of its article's claims; whichever of the
    # two a cascade deletes first, the other's trigger no longer finds it.
    article_claims = "(SELECT * FROM claims_claim WHERE article_id IN (SELECT article_id FROM {rows}))"
    appearance_body = _body(
        ledger_append(facts_sql(article_claims.format(rows="new_rows"), vendor=pg, appearances="new_rows", own=False)),
        None,
        ledger_append(facts_sql(article_claims.format(rows="old_rows"), vendor=pg, appearances="old_rows",
                                own=False, sign=-1)),
    )
    return [
        f"CREATE FUNCTION claims_claim_sourcing() RETURNS trigger LANGUAGE plpgsql AS $${claim_body}$$",
        "CREATE TRIGGER claims_claim_sourcing_insert AFTER INSERT ON claims_claim REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION claims_claim_sourcing()",
        "CREATE TRIGGER claims_claim_sourcing_update AFTER UPDATE ON claims_claim "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION claims_claim_sourcing()",
        "CREATE TRIGGER claims_claim_sourcing_delete AFTER DELETE ON claims_claim REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION claims_claim_sourcing()",
        f"CREATE FUNCTION claims_appearance_sourcing() RETURNS trigger LANGUAGE plpgsql AS $${appearance_body}$$",
        "CREATE TRIGGER claims_appearance_sourcing_insert AFTER INSERT ON claims_articleappearance "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION claims_appearance_sourcing()",
        "CREATE TRIGGER claims_appearance_sourcing_delete AFTER DELETE ON claims_articleappearance "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION claims_appearance_sourcing()",
    ]


DROP_TRIGGERS = [
    *(f"DROP TRIGGER IF EXISTS claims_claim_sourcing_{event} ON claims_claim" for event in ("insert", "update", "delete")),
    *(f"DROP TRIGGER IF EXISTS claims_appearance_sourcing_{event} ON claims_articleappearance"
      for event in ("insert", "delete")),
    "DROP FUNCTION IF EXISTS claims_claim_sourcing()",
    "DROP FUNCTION IF EXISTS claims_appearance_sourcing()",
]


def rebuild_statements() -> list[str]:
    """PostgreSQL: the ledger recomputed from the claims, folded (run with writers held off)."""
    return ["DELETE FROM claims_sourcingtally",
            ledger_append(facts_sql("claims_claim", vendor="postgresql")).replace("sum(n), false", "sum(n), true")]
