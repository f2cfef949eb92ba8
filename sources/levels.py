"""The seven attribution levels (ATTRIBUTION.md): the one place they are defined.

Plain Python so the extractor (no database) and the models share them.
"""

from django.db import models


class AttributionLevel(models.TextChoices):
    DOCUMENT = "document", "Document"
    OFFICIAL = "official", "Official"
    NAMED_PERSON = "named_person", "Named person"
    OTHER_OUTLET = "other_outlet", "Other outlet"
    ANONYMOUS = "anonymous", "Anonymous"
    VAGUE = "vague", "Vague"
    UNATTRIBUTED = "unattributed", "Unattributed"


LEVEL_CODES: tuple[str, ...] = tuple(AttributionLevel.values)
