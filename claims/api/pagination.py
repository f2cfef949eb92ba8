"""The API's pages: numbered pages up to a cap, and a keyset cursor for going deeper (issue 28).

A numbered page costs its offset: page 5,000 of a 10M-row list reads 500,000 rows first. Numbers
stop at LIST_COUNT_CAP rows; past them a client follows `next_cursor`, which names the last row's
key so the next page starts with an index seek, as cheap at row 9,000,000 as at row 100. The count
is exact up to the cap and the planner's estimate past it (`count_is_exact` says which).
"""

from __future__ import annotations

import functools
import json
import re

from django.conf import settings
from django.db.models.expressions import RawSQL
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from ..paging import CappedCountPaginator, count_cap, estimated_count, known_page_ids, rows_after


class _RowsPaginator(CappedCountPaginator):
    """Counts object_list (up to the cap); a page is `shape` of the same slice's ids."""

    def __init__(self, object_list, per_page, *, shape, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.shape = shape

    def _get_page(self, object_list, *args, **kwargs):
        # object_list is self.object_list[bottom:top]: a search may know its ids in order already
        ids = known_page_ids(object_list)
        return super()._get_page(_page_rows(object_list, self.shape, ids=ids), *args, **kwargs)


def _page_rows(ids_slice, shape, *, ids: list[int] | None = None) -> list:
    """`shape` of a page's ids, in the page's order: the list's order and filters pick the ids alone,
    and only the page's rows are joined and built (a search's 25,000 matches are sorted as ids)."""
    if ids is None:
        ids = list(ids_slice.values_list("pk", flat=True))
    return shape(ids) if ids else []


class Keyset:
    """A list's order as a unique key of integer columns, all ascending (a row-value comparison
    then seeks the index that holds them: claim_unique_span for claims). `names`: the same
    columns as a rendered row names them."""

    def __init__(self, table: str, columns: tuple[str, ...], names: tuple[str, ...], digits: tuple[int, ...]):
        self.table, self.columns, self.names = table, columns, names
        # The cursor is the key's numbers joined by dots: a pattern the schema states exactly.
        self.pattern = r"^" + r"\.".join(f"[0-9]{{1,{n}}}" for n in digits) + r"$"

    def key_of(self, row) -> list[int]:
        """The key of a page's row: as rendered (a dict), or the row's JSON text."""
        row = json.loads(row) if isinstance(row, str) else row
        return [row[name] for name in self.names]

    def encode(self, values) -> str:
        return ".".join(str(int(v)) for v in values)

    def decode(self, text: str) -> list[int]:
        if not re.fullmatch(self.pattern, text):
            raise ValidationError({"cursor": ["not a cursor this list gave: use `next_cursor` from a page as it is"]})
        return [int(part) for part in text.split(".")]

    def after(self, values: list[int]) -> RawSQL:
        return rows_after(self.table, self.columns, values)


class ApiPagination(PageNumberPagination):
    page_size = settings.API_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE
    cursor_query_param = "cursor"
    django_paginator_class = CappedCountPaginator

    def get_page_size(self, request):
        # A malformed page_size is the client's mistake (400), not a silent default; any
        # larger one is capped at max_page_size, however large.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise ValidationError({"page_size": [f"a positive integer (at most {self.max_page_size} is used)"]})
        return min(int(raw), self.max_page_size)

    def checked_page_number(self, request) -> str | None:
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw not in self.last_page_strings and not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
            raise ValidationError({"page": ["a positive integer (1 is the first page)"]})
        return raw

    def paginate_queryset(self, queryset, request, view=None):
        # page=0, page=-1 or page=abc is a malformed request (400); only a well-formed page
        # past the last one is "not found" (404).
        raw = self.checked_page_number(request)
        self.keyset, self.next_key = None, None
        if raw is not None and raw.isdigit() and (int(raw) - 1) * self.get_page_size(request) > count_cap():
            raise NotFound(f"numbered pages stop at row {count_cap():,}: follow `next_cursor` to go deeper")
        page = super().paginate_queryset(queryset, request, view)
        self.count_queryset = queryset
        return page

    def paginate_rows(self, queryset, shape, request, view=None, *, keyset: Keyset | None = None):
        """paginate_queryset() that counts and orders the bare `queryset` but builds only the
        page's rows: `shape(ids)` returns the rows of those ids in that order (joins, row JSON).

        With a `keyset` (the list in its default order) a `cursor` parameter pages by key (`page`
        is then ignored), and every page names the next one's (`next_cursor`). The view passes
        no keyset when `ordering` is given: a cursor is then ignored and pages go by number.
        """
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor is None or keyset is None:
            self.django_paginator_class = functools.partial(_RowsPaginator, shape=shape)  # this instance only
            page = self.paginate_queryset(queryset, request, view)
            if keyset is not None:
                self.keyset = keyset
                # Rows past this page are counted (up to the cap, which stops past any page number).
                self.next_key = keyset.key_of(page[-1]) if page and self.page.has_next() else None
            return page
        self.checked_page_number(request)  # ignored beside a cursor, but a malformed one is still a 400
        position = keyset.decode(cursor)
        size = self.get_page_size(request)
        self.request, self.keyset, self.count_queryset, self.page = request, keyset, queryset, None
        page = _page_rows(queryset.filter(keyset.after(position))[: size + 1], shape)  # one more: a next page?
        self.next_key = keyset.key_of(page[size - 1]) if len(page) > size else None
        return page[:size]

    def get_count(self) -> tuple[int, bool]:
        if self.page is not None and not self.page.paginator.capped:
            return self.page.paginator.count, True
        if self.page is None:
            exact = CappedCountPaginator(self.count_queryset, 1)
            if not exact.capped:
                return exact.count, True
        return max(estimated_count(self.count_queryset) or 0, count_cap() + 1), False

    def get_paginated_response(self, data):
        count, exact = self.get_count()
        body = {"count": count, "count_is_exact": exact}
        if self.page is not None:
            body.update(next=self.get_next_link(), previous=self.get_previous_link())
        else:
            body.update(next=self.cursor_link(), previous=None)
        if self.keyset is not None:
            body["next_cursor"] = self.keyset.encode(self.next_key) if self.next_key else None
        body["results"] = data
        return Response(body)

    def cursor_link(self) -> str | None:
        if not self.next_key:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, self.keyset.encode(self.next_key))

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        properties = response["properties"]
        properties["count"]["description"] = (
            f"Exact up to {count_cap():,} rows; past that the database's estimate (see count_is_exact).")
        properties["count_is_exact"] = {"type": "boolean"}
        properties["next_cursor"] = {
            "type": "string", "nullable": True,
            "description": "Lists in their default order: pass as `cursor` for the next page (any depth, same cost).",
        }
        return response

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = f"Results per page (default {self.page_size}, capped at {self.max_page_size})."
            elif parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (f"A page number; numbers reach the first {count_cap():,} rows "
                                            "(follow `next_cursor` past them).")
        keyset = getattr(type(view), "KEYSET", None)
        if keyset is not None:
            parameters.append({
                "name": self.cursor_query_param, "required": False, "in": "query",
                "description": "A page's `next_cursor`: the page after it, in the default order (`page` is then "
                               "ignored; with `ordering`, so is the cursor: pages go by number).",
                "schema": {"type": "string", "pattern": keyset.pattern},
            })
        return parameters
