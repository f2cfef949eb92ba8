from django.conf import settings
from django.db import models
from django.db.models import F, Q

from sources.levels import AttributionLevel
from sources.models import Source

from .fields import TermsField, VectorField


class ExtractionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Article(models.Model):
    """A news story as received. The same body is one article (content_sha256 is unique).

    Revisions: a known url arriving with a new body is a new Article that `supersedes`
    the old one; only the newest revision of a url is current (url unique among them).
    """

    publisher = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="published_articles")
    title = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    body = models.TextField()
    content_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="superseded_by"
    )
    is_current = models.BooleanField(default=True)
    extraction_status = models.CharField(
        max_length=16, choices=ExtractionStatus.choices, default=ExtractionStatus.PENDING, db_index=True
    )
    extraction_error = models.TextField(blank=True)
    extractor_version = models.CharField(max_length=32, blank=True)
    extraction_attempts = models.PositiveIntegerField(default=0)
    extraction_enqueued_at = models.DateTimeField(null=True, blank=True)
    # The Celery worker (hostname) running the extraction: the sweeper requeues the
    # article as soon as that worker's heartbeat is gone, not only after the time limit.
    extraction_worker = models.CharField(max_length=200, blank=True)
    extracted_at = models.DateTimeField(null=True, blank=True)
    # When its claims were last matched against other articles (the sweeper redoes older ones).
    matched_at = models.DateTimeField(null=True, blank=True)
    # A near-identical copy of an earlier story (wire copy with a local sentence): almost all of
    # its claims joined groups of that story's claims (claims/matching/copies.py).
    copy_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="near_copies", editable=False,
        help_text="The earlier story this article is a near-identical copy of.",
    )
    copy_share = models.FloatField(
        null=True, blank=True, editable=False, help_text="The share of its claims that are copies of grouped claims."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["url"], condition=Q(is_current=True) & ~Q(url=""), name="article_unique_current_url"
            ),
        ]
        # Evidence at an article's address is that story (claims.corroboration.independence.story_of_url),
        # whichever version: the unique index above serves current versions only.
        indexes = [models.Index(fields=["url"], condition=~Q(url=""), name="article_url_idx")]

    def __str__(self) -> str:
        return self.title or f"Article {self.pk}"


class ClaimStatus(models.TextChoices):
    UNVERIFIED = "unverified", "Unverified"
    QUEUED = "queued", "Queued"
    IN_REVIEW = "in_review", "In review"
    CORROBORATED = "corroborated", "Corroborated"
    DISPUTED = "disputed", "Disputed"
    REFUTED = "refuted", "Refuted"
    UNVERIFIABLE = "unverifiable", "Unverifiable"
    NEEDS_RECHECK = "needs_recheck", "Needs re-check"


VERDICTS = frozenset(
    {ClaimStatus.CORROBORATED, ClaimStatus.DISPUTED, ClaimStatus.REFUTED, ClaimStatus.UNVERIFIABLE}
)
# Everything the desk still owes a verdict on (the desk's "waiting longest" reads these alone).
WAITING_STATUSES = (ClaimStatus.UNVERIFIED, ClaimStatus.QUEUED, ClaimStatus.IN_REVIEW, ClaimStatus.NEEDS_RECHECK)


class CopyMethod(models.TextChoices):
    SAME_TEXT = "same_text", "Same text"
    REWORDED = "reworded", "Reworded"


class Claim(models.Model):
    """One statement of an article (a span of its body) and who stands behind it.

    Copy groups: a claim that states what a claim of another article already states (the
    same normalised text, or a rewording retrieval calls the same) is a copy of that group's
    first claim (`copy_of`). Only the first is reviewed; copies follow its status (the
    workflow writes both), each keeping its own article, speaker and provenance.
    """

    # No separate index: claim_unique_span (article, start, end) serves lookups by article.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="claims", db_index=False)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField()
    attribution_level = models.CharField(
        max_length=16, choices=AttributionLevel.choices, default=AttributionLevel.UNATTRIBUTED
    )
    speaker = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="spoken_claims"
    )
    speaker_text = models.CharField(max_length=500, blank=True)
    via_outlet = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="relayed_claims"
    )
    cue = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=500, blank=True, help_text="Why the extractor chose this attribution.")
    status = models.CharField(
        max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.UNVERIFIED, editable=False
    )
    # Indexed by claim_assignee_idx (assignee, status): a second index would only slow writes.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_claims",
        db_index=False,
    )
    priority = models.IntegerField(default=0, help_text="Higher is reviewed first.")
    # How worth checking the sentence is, 0-1 (claims/triage/checkworthiness.py); null until scored.
    check_worthiness = models.FloatField(null=True, blank=True, editable=False)
    check_worthiness_version = models.CharField(max_length=32, blank=True, editable=False)
    recheck_after = models.DateTimeField(null=True, blank=True)
    verdict_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # RESTRICT: a group's first claim holds the review of all its copies; it is never deleted under them.
    copy_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="copies", editable=False,
        help_text="The first claim of this claim's copy group; empty for a first claim.",
    )
    copy_method = models.CharField(max_length=16, choices=CopyMethod.choices, blank=True, editable=False)
    copy_score = models.FloatField(null=True, blank=True, editable=False, help_text="Retrieval's score, for a rewording.")
    # The same words with another speaker or level than the group's first: shown, never merged silently.
    attribution_differs = models.BooleanField(default=False, editable=False)
    # An editor split it out of a group: it is its own claim for good, never grouped again.
    copy_split = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["article_id", "start"]
        constraints = [
            models.UniqueConstraint(fields=["article", "start", "end"], name="claim_unique_span"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="claim_span_not_empty"),
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"),
            models.CheckConstraint(
                condition=Q(attribution_level__in=AttributionLevel.values), name="claim_level_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-priority", "created_at"], name="claim_queue_idx"),
            # The reviewer's list in its order (the admin adds -id): one screen is its first 50 entries.
            models.Index(fields=["-priority", "created_at", "-id"], name="claim_list_idx"),
            # The few claims waiting for a score (the "not scored yet" filter reads these alone).
            models.Index(fields=["id"], condition=Q(check_worthiness__isnull=True), name="claim_unscored_idx"),
            models.Index(fields=["assignee", "status"], name="claim_assignee_idx"),
            # Verdicts by the date they fall due for a re-check (the re-check job's keyset).
            models.Index(fields=["recheck_after", "id"], condition=Q(copy_of__isnull=True, status__in=sorted(v.value for v in VERDICTS)),
                         name="claim_recheck_due_idx"),
            models.Index(fields=["status", "check_worthiness"], name="claim_worthiness_idx"),
            # The few copies whose attribution differs: the reviewer's filter reads these alone.
            models.Index(fields=["copy_of"], condition=Q(attribution_differs=True), name="claim_copy_differs_idx"),
            # The few thousand leads without a verdict, longest waiting first (the desk's open work).
            models.Index(fields=["status_changed_at", "id"],
                         condition=Q(copy_of__isnull=True, status__in=[s.value for s in WAITING_STATUSES]),
                         name="claim_waiting_idx"),
        ]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:77] + "..."

    @property
    def has_verdict(self) -> bool:
        return self.status in VERDICTS

    @property
    def is_copy(self) -> bool:
        return self.copy_of_id is not None

    @property
    def group_id(self) -> int:
        """The id of its group's first claim (its own id for a first claim)."""
        return self.copy_of_id or self.pk


class CopyKey(models.Model):
    """Normalised claim text -> the first claim of its copy group: one row per distinct text.

    The exact-copy lookup of a new article's sentences is one indexed read, whatever the
    number of copies; the primary key settles two workers racing to found the same group.
    """

    key = models.CharField(max_length=32, primary_key=True, help_text="blake2b of the normalised text")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.key} -> claim {self.claim_id}"


class EvidenceStance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    CONTRADICTS = "contradicts", "Contradicts"
    CONTEXT = "context", "Context"


class Evidence(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    stance = models.CharField(max_length=16, choices=EvidenceStance.choices)
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence")
    url = models.URLField(max_length=1000, blank=True)
    related_claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.SET_NULL, related_name="cited_as_evidence"
    )
    note = models.TextField(blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # Proposed by the system (a matching claim elsewhere); counts for nothing until a reviewer accepts it.
    is_suggestion = models.BooleanField(default=False)
    # Who accepted a suggestion (its added_by stays empty: the matcher proposed it, not a person).
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Added by mistake: withdrawn (never deleted) by whoever added it or an editor, with the
    # reason also kept in the claim's history. Withdrawn evidence counts for nothing.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return f"{self.get_stance_display()}: {self.source or self.url or self.related_claim_id}"


class ArticleAppearance(models.Model):
    """One more place an article's body appeared (syndication): another publisher, url or title.

    The article's own publisher, url and title are its first appearance; each later copy
    of the same body is a row here, so nothing a second outlet sent is dropped.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="appearances")
    publisher = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="syndicated_appearances")
    title = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The outlet the body says it was first published by ("originally published by ...").
    via_outlet = models.ForeignKey(Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "publisher", "url"], name="appearance_once_per_place"),
        ]
        indexes = [models.Index(fields=["url"], condition=~Q(url=""), name="appearance_url_idx")]  # as article_url_idx

    def __str__(self) -> str:
        return f"{self.title or self.article} in {self.publisher.name}"


class AppendOnlyError(Exception):
    pass


class HistoryKind(models.TextChoices):
    TRANSITION = "transition", "Status change"
    SIGN_OFF = "sign_off", "Editor sign-off"
    WITHDRAWAL = "withdrawal", "Fact-check withdrawn"
    EVIDENCE_WITHDRAWAL = "evidence_removed", "Evidence withdrawn"
    SPLIT = "split", "Split from its copy group"
    LEAD = "lead", "Copy group's lead changed"


class StatusChange(models.Model):
    """Append-only history of a claim's status, written with the change it records.

    An editor's sign-off (sourcing policy) is a history row too, with from == to.
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="history", editable=False)
    kind = models.CharField(max_length=16, choices=HistoryKind.choices, default=HistoryKind.TRANSITION, editable=False)
    from_status = models.CharField(max_length=16, choices=ClaimStatus.choices, editable=False)
    to_status = models.CharField(max_length=16, choices=ClaimStatus.choices, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, editable=False,
        help_text="Empty when the system made the change.",
    )
    note = models.TextField(blank=True, editable=False)
    at = models.DateTimeField(auto_now_add=True, editable=False, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        get_latest_by = "at"

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status} by {self.actor or 'system'}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("status history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("status history is append-only")


class PublishedVerdict(models.Model):
    """A claim's published verdict: what its public page, ClaimReview and the feed serve.

    Written with the verdict (workflow), kept while the claim is re-checked, replaced by
    the next verdict (`modified_at`), and withdrawn only by an editor (410 from then on).
    """

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, primary_key=True, related_name="published_verdict")
    verdict = models.CharField(max_length=16, choices=ClaimStatus.choices)
    explanation = models.TextField(blank=True)
    verdict_change = models.ForeignKey(StatusChange, null=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(help_text="The first verdict (datePublished).")
    modified_at = models.DateTimeField(help_text="The current verdict, or the withdrawal (dateModified).")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-modified_at", "-claim_id"]
        indexes = [models.Index(fields=["-modified_at", "-claim"], name="published_verdict_feed_idx")]
        constraints = [models.CheckConstraint(condition=Q(verdict__in=sorted(VERDICTS)), name="published_verdict_is_verdict")]

    def __str__(self) -> str:
        return f"fact-check of claim {self.claim_id}: {self.verdict}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class OutboxEvent(models.Model):
    """An event for newsroom tools, written in the transaction of the change it reports."""

    kind = models.CharField(max_length=64)
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class Notification(models.Model):
    """A reviewer's notice (e.g. new claims assigned); stored, and emailed when configured."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    message = models.TextField()
    claims = models.ManyToManyField(Claim, blank=True, related_name="notifications")
    # Makes a notice idempotent: the same batch delivered twice is one notice.
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient}"


class JobLease(models.Model):
    """A named lease so a scheduled job runs once at a time, even with two beat processes."""

    name = models.CharField(max_length=100, primary_key=True)
    holder = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField()
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    # The start of the beat period the last scheduled run belonged to: a second beat's
    # send in the same period is skipped (each beat job once per period).
    period_start = models.DateTimeField(null=True, blank=True)
    runs = models.PositiveIntegerField(default=0, help_text="Runs that took the lease (skipped sends not counted).")

    def __str__(self) -> str:
        return self.name


class Heartbeat(models.Model):
    """Last sign of life of a service part ("worker", "beat"), for health checks."""

    name = models.CharField(max_length=100, primary_key=True)
    beat_at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class WebhookSubscription(models.Model):
    """A newsroom tool that wants to hear about events (claim.status_changed, ...)."""

    url = models.URLField(max_length=1000)
    events = models.JSONField(default=list, blank=True, help_text="Event kinds to deliver; empty means all.")
    secret = models.CharField(max_length=200, help_text="Shared secret for the HMAC-SHA256 signature.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhooks",
        help_text="Who subscribed it (empty once that user is deleted: the subscription stays).",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (retrying)"
    GAVE_UP = "gave_up", "Gave up"


class WebhookDelivery(models.Model):
    """The delivery log: one row per (subscription, event), with its attempts."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="delivery_once_per_subscription"),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.subscription} ({self.status})"


class MatchStatus(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"


class ClaimMatch(models.Model):
    """Two claims in different articles that state the same thing (or its negation).

    Stored once per pair with claim_a_id < claim_b_id. A match is only a suggestion until
    a reviewer confirms it; it never gives a verdict by itself.
    """

    claim_a = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+")
    claim_b = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    stance = models.CharField(max_length=16, choices=EvidenceStance.choices, default=EvidenceStance.SUPPORTS)
    method = models.CharField(max_length=32, default="minhash-jaccard")
    status = models.CharField(max_length=16, choices=MatchStatus.choices, default=MatchStatus.SUGGESTED, db_index=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Set when one side got a verdict and the other side was flagged with it.
    propagated_verdict = models.CharField(max_length=16, choices=ClaimStatus.choices, blank=True)
    propagated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "id"]
        verbose_name_plural = "claim matches"
        constraints = [
            models.UniqueConstraint(fields=["claim_a", "claim_b"], name="match_once_per_pair"),
            models.CheckConstraint(condition=Q(claim_a__lt=F("claim_b")), name="match_pair_ordered"),
        ]
        indexes = [models.Index(fields=["claim_b"], name="match_claim_b_idx")]

    def __str__(self) -> str:
        return f"#{self.claim_a_id} ~ #{self.claim_b_id} ({self.score:.2f})"

    def other(self, claim_id: int) -> int:
        return self.claim_b_id if claim_id == self.claim_a_id else self.claim_a_id


class FactCheck(models.Model):
    """A fact-check imported from another organisation's schema.org ClaimReview archive.

    Imported by `manage.py import_claimreview`, idempotent on the review's url. Read-only
    for reviewers: it is what someone else found, searchable with our own claims.
    """

    url = models.URLField(max_length=1000, unique=True, help_text="The review's own URL.")
    claim_reviewed = models.TextField()
    headline = models.TextField(blank=True, help_text="The review's name (headline); searched with the claim.")
    rating_name = models.CharField(max_length=300, blank=True, help_text="reviewRating.alternateName, e.g. 'False'.")
    rating_value = models.CharField(max_length=50, blank=True)
    best_rating = models.CharField(max_length=50, blank=True)
    worst_rating = models.CharField(max_length=50, blank=True)
    author_name = models.CharField(max_length=300, blank=True, help_text="The organisation that published the review.")
    author_url = models.URLField(max_length=1000, blank=True)
    date_published = models.DateField(null=True, blank=True)
    item_author = models.CharField(max_length=300, blank=True, help_text="Who made the claim (itemReviewed.author).")
    appearance_urls = models.JSONField(default=list, blank=True, help_text="Where the claim appeared.")
    raw = models.JSONField(default=dict, blank=True, help_text="The ClaimReview object as imported.")
    feed = models.ForeignKey(
        "Feed", null=True, blank=True, on_delete=models.SET_NULL, related_name="fact_checks",
        help_text="The followed ClaimReview DataFeed it came from (empty for a file import).",
    )
    withdrawn_at = models.DateTimeField(
        null=True, blank=True, help_text="When its publisher withdrew it (its feed said dateDeleted): no longer alerts."
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date_published", "-id"]
        verbose_name = "imported fact-check"
        indexes = [
            # The list in its order, and the date hierarchy's first and last dates, read from the index.
            models.Index(fields=["date_published", "id"], name="fact_check_list_idx"),
            # The sidebar's filters list their values from these (admin.large.distinct_values).
            models.Index(fields=["author_name"], name="fact_check_author_idx"),
            models.Index(fields=["rating_name"], name="fact_check_rating_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author_name or 'fact-check'}: {self.claim_reviewed[:80]}"


class ClaimEmbedding(models.Model):
    """A claim's unit sentence embedding and search terms (claims/fields.py says how each is stored).

    Computed in batches by the pipeline after extraction; retrieval searches these rows in the
    database (pgvector and full-text search on PostgreSQL, FTS5 on SQLite). Only a copy group's
    lead is `searchable`: the group is one record however many outlets ran it, and regrouping
    flips the flag in the same transaction. `model` names the encoder: another model re-embeds.
    """

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, primary_key=True, related_name="embedding")
    vector = VectorField()
    terms = TermsField()
    searchable = models.BooleanField(default=True, help_text="the lead of its copy group (copies are found through it)")
    model = models.CharField(max_length=64)
    embedded_at = models.DateTimeField(auto_now=True, db_index=True)


class FactCheckEmbedding(models.Model):
    """A fact-check's embeddings: claim and headline together (searched), and apart (re-scored)."""

    fact_check = models.OneToOneField(FactCheck, on_delete=models.CASCADE, primary_key=True, related_name="embedding")
    vector = VectorField(help_text="claim and headline together")
    claim_vector = VectorField()
    title_vector = VectorField(null=True, blank=True, help_text="none when the review has no headline")
    terms = TermsField()
    model = models.CharField(max_length=64)
    embedded_at = models.DateTimeField(auto_now=True, db_index=True)


class SearchTermCount(models.Model):
    """How many searchable records hold each term, for the lexical features' idf (PostgreSQL only).

    Kept by statement triggers on the two embedding tables (migration 0019), in the writing
    transaction, so it is exact whatever writes: a query reads its terms' rows by primary key
    instead of counting postings (which visits the heap). Each writer adds to its own shard of a
    term's row, so concurrent writers rarely wait on a common word. The term '' counts the records.
    SQLite reads the same numbers from FTS5's vocabulary table.
    """

    term = models.TextField()
    shard = models.SmallIntegerField()
    documents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "shard"], name="claims_searchtermcount_term_shard")]


class ClaimTally(models.Model):
    """The desk's claims per status and per attribution level, a copy group counted once (PostgreSQL).

    A ledger: statement triggers on claims_claim (migration 0022) append each statement's change
    (+1 into the new status, -1 out of the old) in the writing transaction, so it is exact whatever
    writes, and a writer never waits on another's counter row. The desk sums the rows; the sweep
    folds them into one row per value (claims.pipeline.sweeper.claim_tallies_compact). SQLite counts the
    claims instead.
    """

    dimension = models.CharField(max_length=32, help_text="status or attribution_level")
    value = models.CharField(max_length=32)
    claims = models.BigIntegerField()


class SourcingTally(models.Model):
    """The Sourcing report's figures per week and per month (PostgreSQL; claims.reports.sourcing).

    A ledger like ClaimTally: statement triggers on claims_claim and claims_articleappearance
    (migration 0023) append each statement's change in the writing transaction, so the report sums
    a few rows a publisher and period whatever the archive's size. A row with a publisher counts
    every claim that outlet ran (its own articles and its appearances); a row without one counts
    each copy group once. The sweep folds the rows appended since its last pass. SQLite computes
    the same facts from the claims instead.
    """

    grain = models.CharField(max_length=8, help_text="week or month")
    period = models.DateField(help_text="The week's Monday or the month's first day (UTC).")
    publisher = models.ForeignKey(Source, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+",
                                  db_constraint=False, help_text="Blank: every publisher, each copy group once.")
    dimension = models.CharField(
        max_length=24, help_text="claims, anonymous_share or time_to_verdict (an outlet's); desk_claims, "
        "desk_time_to_verdict, speaker or reviewer (the whole desk's, each copy group once)")
    level = models.CharField(max_length=16, blank=True)
    value = models.CharField(max_length=32, blank=True)
    claims = models.BigIntegerField()
    folded = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["grain", "dimension", "publisher", "period"], name="sourcing_tally_report_idx"),
            # Every outlet's anonymous share and the speakers' ranking sum a range of periods: read
            # from the index alone (hundreds of thousands of rows at 10M claims, scattered in the heap).
            models.Index(fields=["grain", "dimension", "period"], include=["publisher", "level", "value", "claims"],
                         condition=Q(dimension__in=["anonymous_share", "speaker"]), name="sourcing_tally_range_idx"),
            models.Index(fields=["id"], condition=Q(folded=False), name="sourcing_tally_unfolded_idx"),
        ]


class ApiTokenRole(models.TextChoices):
    """The one role a token acts in (claims.roles.ROLE_GROUPS keys), if its user still holds it."""

    NEWSROOM = "newsroom", "Newsroom"
    REVIEWER = "reviewer", "Reviewer"
    EDITOR = "editor", "Editor"


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, at=None):
        """Neither revoked nor expired at `at` (now by default)."""
        from django.utils import timezone

        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))


class ApiToken(models.Model):
    """A newsroom tool's credential. Only the SHA-256 digest of the token is stored, never the token.

    The token (shown once, at creation) is random (256 bits for new tokens); its first
    PREFIX_LENGTH characters are stored as `prefix`, a public handle to find the row and
    to tell tokens apart in the admin, and the digest is compared in constant time.
    A user may hold several tokens, one per tool; each acts only in its `role` (while
    the user holds it), or in all the user's roles when the role is empty.
    """

    PREFIX_LENGTH = 8

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="The tool this token is for.")
    # Empty: every role the user holds (the keys migrated from before tokens had a role).
    role = models.CharField(max_length=16, choices=ApiTokenRole.choices, blank=True)
    prefix = models.CharField(max_length=PREFIX_LENGTH, db_index=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256 of the token, hex.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires (asked for explicitly).")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…, {self.user})"

    @staticmethod
    def digest_of(token: str) -> str:
        import hashlib

        return hashlib.sha256(token.encode()).hexdigest()

    def is_expired(self, at=None) -> bool:
        from django.utils import timezone

        return self.expires_at is not None and self.expires_at <= (at or timezone.now())


# --- Watched feeds (claims/pipeline/feeds.py) ---------------------------------------------


class FeedKind(models.TextChoices):
    RSS = "rss", "RSS 2.0"
    RDF = "rdf", "RSS 1.0 (RDF)"
    ATOM = "atom", "Atom"
    JSON_FEED = "json_feed", "JSON Feed"
    SITEMAP = "sitemap", "News sitemap"
    CLAIM_REVIEW = "claimreview", "ClaimReview DataFeed"


class Feed(models.Model):
    """A feed the desk watches: polled on a schedule, its new entries ingested as articles
    (or, for a ClaimReview DataFeed, imported as fact-checks)."""

    url = models.URLField(max_length=1000, unique=True)
    publisher = models.CharField(max_length=300, help_text="The outlet its stories are published under.")
    kind = models.CharField(
        max_length=16, choices=FeedKind.choices, blank=True,
        help_text="Leave empty to detect it from the content; set it to override what was detected.",
    )
    detected_kind = models.CharField(max_length=16, choices=FeedKind.choices, blank=True, editable=False)
    poll_interval_seconds = models.PositiveIntegerField(default=900)
    enabled = models.BooleanField(default=True)
    respect_robots = models.BooleanField(
        default=True, help_text="Honour robots.txt when fetching its pages (turn off only for the desk's own site)."
    )
    host = models.CharField(max_length=300, editable=False, help_text="Politeness is per host.")
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    leased_until = models.DateTimeField(null=True, blank=True, editable=False, help_text="A worker is polling it until then.")
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_outcome = models.CharField(max_length=500, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    disabled_reason = models.TextField(blank=True, editable=False)
    entries_seen = models.PositiveIntegerField(default=0, editable=False)
    articles_created = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["publisher", "id"]
        indexes = [models.Index(fields=["next_poll_at"], condition=Q(enabled=True), name="feed_due_idx")]
        constraints = [models.CheckConstraint(condition=Q(poll_interval_seconds__gte=60), name="feed_interval_at_least_a_minute")]

    def __str__(self) -> str:
        return f"{self.publisher}: {self.url}"

    @property
    def effective_kind(self) -> str:
        return self.kind or self.detected_kind


class FeedEntryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be fetched"
    INGESTED = "ingested", "Ingested"
    DUPLICATE = "duplicate", "Already known"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class FeedEntry(models.Model):
    """One entry of a feed, known by its guid or its normalised link: seen once, whatever the feed re-sends."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="entries")
    key = models.CharField(max_length=1000, help_text="Its guid, or its link normalised.")
    link_key = models.CharField(max_length=1000, blank=True, help_text="Its link normalised (a guid-less resend).")
    link = models.URLField(max_length=1000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=FeedEntryStatus.choices, default=FeedEntryStatus.PENDING)
    reason = models.TextField(blank=True, help_text="Why it was skipped or failed.")
    attempts = models.PositiveIntegerField(default=0)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="feed_entries")
    first_seen_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-first_seen_at", "-id"]
        verbose_name_plural = "feed entries"
        constraints = [models.UniqueConstraint(fields=["feed", "key"], name="feed_entry_unique_key")]
        indexes = [
            models.Index(fields=["feed", "status"], condition=Q(status="pending"), name="feed_entry_pending_idx"),
            models.Index(fields=["feed", "link_key"], name="feed_entry_link_idx"),
        ]

    def __str__(self) -> str:
        return self.title or self.link or self.key


class FeedHost(models.Model):
    """Politeness per host, shared by every worker: one request at a time, a gap between requests,
    and the host's own Retry-After; its robots.txt, fetched once a day."""

    host = models.CharField(max_length=300, primary_key=True)
    busy_until = models.DateTimeField(null=True, blank=True, help_text="A worker's request is in flight until then.")
    next_request_at = models.DateTimeField(null=True, blank=True)
    robots_txt = models.TextField(blank=True)
    robots_status = models.PositiveIntegerField(null=True, blank=True)
    robots_fetched_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.host


# --- Repeat alerts (claims/matching/alerts.py) ----------------------------------------------


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    DISMISSED = "dismissed", "Dismissed"


class PriorKind(models.TextChoices):
    CLAIM = "claim", "Our published verdict"
    FACT_CHECK = "fact_check", "Imported fact-check"


class Alert(models.Model):
    """A claim that was checked before came back in new copy: one per story and prior check."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="repeat_alerts")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="repeat_alerts")
    story = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="+",
        help_text="The first article of the story (its near copies share it): one alert per story.",
    )
    prior_kind = models.CharField(max_length=16, choices=PriorKind.choices)
    prior_claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    prior_fact_check = models.ForeignKey(FactCheck, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(max_length=16, help_text="The prior check's verdict, in our verdicts.")
    rating = models.CharField(max_length=300, blank=True, help_text="The prior check's own rating, as it wrote it.")
    score = models.FloatField()
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN, db_index=True)
    last_seen_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["story", "prior_claim"], condition=Q(prior_claim__isnull=False),
                                    name="alert_one_per_story_and_claim"),
            models.UniqueConstraint(fields=["story", "prior_fact_check"], condition=Q(prior_fact_check__isnull=False),
                                    name="alert_one_per_story_and_fact_check"),
            models.CheckConstraint(
                condition=(Q(prior_kind="claim", prior_claim__isnull=False, prior_fact_check__isnull=True)
                           | Q(prior_kind="fact_check", prior_fact_check__isnull=False, prior_claim__isnull=True)),
                name="alert_names_one_prior",
            ),
        ]
        indexes = [models.Index(fields=["digested_at"], condition=Q(digested_at__isnull=True), name="alert_undigested_idx")]

    def __str__(self) -> str:
        return f"repeat of {self.prior_kind} {self.prior_claim_id or self.prior_fact_check_id} in claim {self.claim_id}"


class AlertChange(models.Model):
    """An alert's history: raised, acknowledged, dismissed (with the reason). Append-only."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
