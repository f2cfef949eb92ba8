from django.db import models

from .normalize import normalize_name


class SourceKind(models.TextChoices):
    PERSON = "person", "Person"
    ORGANIZATION = "organization", "Organization"
    GOVERNMENT = "government", "Government"
    OUTLET = "outlet", "News outlet"
    DOCUMENT = "document", "Document"
    ANONYMOUS = "anonymous", "Anonymous source"
    GROUP = "group", "Unspecified group"


class Source(models.Model):
    """Who says things: a person, an institution, an outlet, a document or an unnamed group."""

    kind = models.CharField(max_length=16, choices=SourceKind.choices)
    name = models.CharField(max_length=255)
    normalized_name = models.CharField(max_length=255, editable=False)
    # The institution a person or office speaks for: two officials of one ministry are one origin.
    affiliation = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="members",
        help_text="The institution this source speaks for, when known.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "normalized_name"], name="source_unique_name_per_kind"),
            models.CheckConstraint(condition=~models.Q(normalized_name=""), name="source_name_not_blank"),
        ]
        indexes = [models.Index(fields=["normalized_name"], name="source_normalized_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_name(self.name)
        if "update_fields" in kwargs and kwargs["update_fields"] is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "normalized_name"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.normalized_name = normalize_name(self.name)


class SourceAlias(models.Model):
    """Another written form of a source ("NYT" for The New York Times)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=255)
    normalized_name = models.CharField(max_length=255, editable=False, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "source aliases"
        constraints = [
            models.UniqueConstraint(fields=["source", "normalized_name"], name="alias_unique_per_source"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_name(self.name)
        super().save(*args, **kwargs)
