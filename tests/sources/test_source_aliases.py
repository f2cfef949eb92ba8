"""source_resolve(aliases=...): one article's short and long names of a person are one Source."""

from __future__ import annotations

import pytest

from sources.models import Source, SourceKind
from sources.services import source_resolve


@pytest.mark.django_db
def test_short_name_becomes_an_alias_of_the_longer_one():
    marsh = source_resolve(name="President Lena Marsh", kind=SourceKind.PERSON, aliases=["Marsh", "President Marsh"])
    assert source_resolve(name="Marsh", kind=SourceKind.PERSON) == marsh
    assert source_resolve(name="President Marsh", kind=SourceKind.PERSON) == marsh
    assert Source.objects.filter(kind=SourceKind.PERSON).count() == 1


@pytest.mark.django_db
def test_a_short_name_that_already_names_a_source_is_not_merged():
    other = source_resolve(name="Marsh", kind=SourceKind.PERSON)
    lena = source_resolve(name="Lena Marsh", kind=SourceKind.PERSON, aliases=["Marsh"])
    assert lena != other
    assert source_resolve(name="Marsh", kind=SourceKind.PERSON) == other
