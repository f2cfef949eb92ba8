from collections.abc import Iterable

from django.db import IntegrityError, transaction

from .models import Source, SourceAlias, SourceKind
from .normalize import normalize_name


def source_resolve(*, name: str, kind: str, aliases: Iterable[str] = ()) -> Source:
    """Get or create the Source a written name refers to.

    Looks up the normalised name, then aliases, within the kind; a new written form of
    a known source is recorded as an alias. ``aliases`` are shorter forms the same
    article used for it ("Trump" for "President Trump", the extractor's
    ``speaker_name``): each becomes an alias unless it already names a source of
    its own. Safe under concurrent callers.
    """
    normalized = normalize_name(name)
    if not normalized:
        raise ValueError(f"cannot resolve a source from {name!r}")
    if kind not in SourceKind.values:
        raise ValueError(f"unknown source kind {kind!r}; expected one of {', '.join(SourceKind.values)}")
    source = Source.objects.filter(kind=kind, normalized_name=normalized).first()
    if source is None:
        alias = SourceAlias.objects.select_related("source").filter(normalized_name=normalized, source__kind=kind).first()
        if alias is not None:
            return alias.source
        try:
            with transaction.atomic():
                source = Source.objects.create(kind=kind, name=name.strip())
        except IntegrityError:  # another process created it between our read and write
            source = Source.objects.get(kind=kind, normalized_name=normalized)
    if name.strip() != source.name:
        SourceAlias.objects.get_or_create(source=source, normalized_name=normalized, defaults={"name": name.strip()})
    for alias in aliases:
        alias_norm = normalize_name(alias)
        if not alias_norm or alias_norm == source.normalized_name:
            continue
        if Source.objects.filter(kind=kind, normalized_name=alias_norm).exists() or SourceAlias.objects.filter(
                normalized_name=alias_norm, source__kind=kind).exclude(source=source).exists():
            continue  # the short form already names another source: never merge silently
        SourceAlias.objects.get_or_create(source=source, normalized_name=alias_norm, defaults={"name": alias.strip()})
    return source
