"""Counting and paging that cost what one screen costs, however large the table (issue 28).

A reviewer's list and an API page need the rows of one screen and an idea of how many there are,
never an exact count of ten million rows. Counts stop at COUNT_CAP: `count of (the first
COUNT_CAP + 1 rows)` reads at most that many index entries. Past the cap the API reports the
planner's estimate (EXPLAIN's row count: no rows read) and says it is one.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection, connections, transaction
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql.datastructures import BaseTable
from django.utils.functional import cached_property


def rows_after(table: str, columns: tuple[str, ...], values) -> RawSQL:
    """`(columns) > (values)`: a row-value comparison PostgreSQL reads as one seek into an index whose
    leading columns are `columns` (keyset paging; an OR of the columns' comparisons is no seek)."""
    names = ", ".join(f'"{table}"."{column}"' for column in columns)
    return RawSQL(f"({names}) > ({', '.join(['%s'] * len(columns))})", list(values), output_field=BooleanField())


def count_cap() -> int:
    return settings.LIST_COUNT_CAP


class _DerivedBaseTable(BaseTable):
    """The FROM clause's base table read as `(sql OFFSET 0) alias`: the same columns, fewer rows.
    OFFSET 0 keeps the outer query's filters out of the derived table, so the planner cannot
    join its index with another index of the table."""

    def __init__(self, table_name: str, alias: str, sql: str, params: tuple):
        super().__init__(table_name, alias)
        self.sql, self.params = sql, tuple(params)

    def as_sql(self, compiler, connection):
        return f"({self.sql} OFFSET 0) {connection.ops.quote_name(self.table_alias)}", list(self.params)

    def relabeled_clone(self, change_map):
        return self.__class__(self.table_name, change_map.get(self.table_alias, self.table_alias), self.sql, self.params)

    @property
    def identity(self):
        return self.__class__, self.table_name, self.table_alias, self.sql, self.params


def over_rows(queryset: QuerySet, rows: QuerySet) -> QuerySet:
    """`queryset` (its filters, joins and order) applied to `rows` alone, a queryset of the same
    model read first (all its columns) in place of the whole table. Subqueries in `queryset`'s
    filters still read the table."""
    assert rows.model is queryset.model
    queryset = queryset.all()
    query = queryset.query
    alias = query.get_initial_alias()
    sql, params = rows.order_by().query.sql_with_params()
    query.alias_map[alias] = _DerivedBaseTable(query.alias_map[alias].table_name, alias, sql, params)
    return queryset


# Set on a query whose row count is already known (it survives clones): an int, or PAST_CAP.
KNOWN_ROWS = "rows_known"
PAST_CAP = -1


def with_known_count(queryset: QuerySet, rows: int) -> QuerySet:
    """`queryset`, whose rows were just counted (`rows`), or are known to pass any cap (PAST_CAP):
    a search for a common word would test the words of every row up to the cap to count them, and
    counting a search's ids again reads each of them. Filter nothing after this."""
    queryset = queryset.all()
    setattr(queryset.query, KNOWN_ROWS, rows)
    return queryset


# Set with the rows' ids in the query's order, when a search has just read them in that order.
KNOWN_ORDER = "ids_in_order"


def with_known_order(queryset: QuerySet, ids: list[int]) -> QuerySet:
    """`queryset`, whose rows are `ids` in its present order: a page is then a slice of the list,
    not a second sort of every row (known_page_ids). Filter nothing after this."""
    queryset = queryset.all()
    setattr(queryset.query, KNOWN_ORDER, (tuple(queryset.query.order_by), ids))
    return queryset


def known_page_ids(page: QuerySet) -> list[int] | None:
    """The ids of `page` (a slice of a with_known_order() queryset, still in that order), or None."""
    known = getattr(page.query, KNOWN_ORDER, None)
    if known is None or known[0] != tuple(page.query.order_by) or not known[0]:
        return None
    return known[1][page.query.low_mark:page.query.high_mark]


@contextmanager
def planner_settings(**values: str):
    """PostgreSQL: these planner settings (SET LOCAL) for the reads inside the block alone, then
    RESET (a request may run inside its own transaction, which SET LOCAL alone would outlive)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for name, value in values.items():
            cursor.execute(f"SET LOCAL {name} = {value}")
        try:
            yield
        finally:
            for name in values:
                cursor.execute(f"RESET {name}")


def capped_count(queryset: QuerySet) -> int:
    """The exact count up to the cap; cap + 1 means "more than the cap"."""
    cap = count_cap()
    known = getattr(queryset.query, KNOWN_ROWS, None)
    if known is not None:
        return cap + 1 if known == PAST_CAP else min(known, cap + 1)
    # values("pk"): the list's annotations (per-row subqueries) have no part in a count
    return queryset.order_by().values("pk")[: cap + 1].count()


def estimated_count(queryset: QuerySet) -> int | None:
    """The planner's row estimate for `queryset` on PostgreSQL (reads no rows); None elsewhere."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    known = getattr(queryset.query, KNOWN_ROWS, None)
    if known is not None and known != PAST_CAP:
        return known
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


class CappedCountPaginator(Paginator):
    """Django's Paginator with its count stopped at the cap (pages past it are not offered)."""

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return capped_count(self.object_list)
        return len(self.object_list)

    @property
    def capped(self) -> bool:
        return self.count > count_cap()
