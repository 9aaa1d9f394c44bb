"""Knowledge-base articles with revisions and votes; their embedded chunks; and what customers
searched, were shown, opened and found helpful (deflections and content gaps)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from kb.workflow import Status as WorkflowStatus
from portal.models import ProductArea


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = WorkflowStatus.DRAFT.value, "Draft"
        IN_REVIEW = WorkflowStatus.IN_REVIEW.value, "In review"
        PUBLISHED = WorkflowStatus.PUBLISHED.value, "Published"
        ARCHIVED = WorkflowStatus.ARCHIVED.value, "Archived"

    class Language(models.TextChoices):
        EN = "en", "English"
        DE = "de", "Deutsch"
        FR = "fr", "Français"
        ES = "es", "Español"
        PT = "pt", "Português"

    ProductArea = ProductArea

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text="Markdown.")
    product_area = models.CharField(max_length=20, choices=ProductArea, default=ProductArea.GENERAL)
    language = models.CharField(max_length=2, choices=Language, default=Language.EN)
    tags = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "in_review", "published", "archived"]),
                name="article_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(title__regex=r"^\s*$"), name="article_title_not_blank"
            ),
        ]
        indexes = [models.Index(fields=["status", "product_area"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("kb_article", args=[self.slug])


class ArticleRevision(models.Model):
    """Every save of an article, numbered from 1. Never changed after it is written."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="revision_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article} r{self.number}"


class ArticleVote(models.Model):
    """“Was this helpful?” — one vote per user, or per session for visitors."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    session_key = models.CharField(max_length=64, blank=True)
    helpful = models.BooleanField()
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"],
                condition=Q(user__isnull=False),
                name="vote_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=Q(user__isnull=True),
                name="vote_once_per_session",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(session_key=""), name="vote_has_voter"
            ),
        ]

    def __str__(self) -> str:
        return f"{'yes' if self.helpful else 'no'} on {self.article_id}"


class ArticleChunk(models.Model):
    """A searchable piece of a published article and its embedding. The FAISS index on disk is
    a cache derived from these rows (``manage.py kb_reindex`` rebuilds it)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, default="body")
    heading = models.CharField(max_length=300, blank=True)
    text = models.TextField(help_text="What is embedded and indexed (title and heading included).")
    body = models.TextField(help_text="Plain text the snippet is cut from.")
    content_hash = models.CharField(max_length=64)
    model_name = models.CharField(max_length=100)
    vector = models.BinaryField(null=True)

    class Meta:
        ordering = ["article_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="chunk_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id}#{self.position}"


class SearchIndexState(models.Model):
    """A single row: the version of the index that the database says is current."""

    version = models.PositiveIntegerField(default=0)
    built_at = models.DateTimeField(null=True)
    chunk_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"index v{self.version}"


class SuggestionLog(models.Model):
    """What a customer typed on the request form and what we suggested: the content-gap report
    reads the weak and the submitted-anyway ones."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organization = models.ForeignKey(
        "portal.Organization", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    query = models.TextField()
    best_score = models.FloatField(null=True)
    shown = models.JSONField(default=list)
    weak = models.BooleanField(default=False)
    support_request = models.ForeignKey(
        "portal.SupportRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["weak", "created_at"])]

    def __str__(self) -> str:
        return self.query[:60]


class Deflection(models.Model):
    """“This solved my problem”: the query and the article that answered it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organization = models.ForeignKey(
        "portal.Organization", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="deflections")
    query = models.TextField()
    support_request = models.ForeignKey(
        "portal.SupportRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"deflected by {self.article_id}"


class RequestArticle(models.Model):
    """Which articles a customer was shown and opened before or after submitting a request
    (the agent's context brief shows them)."""

    support_request = models.ForeignKey(
        "portal.SupportRequest", on_delete=models.CASCADE, related_name="kb_articles"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    shown = models.BooleanField(default=True)
    opened = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["support_request", "article"], name="request_article_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id} on #{self.support_request_id}"
