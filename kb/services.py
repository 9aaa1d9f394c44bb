"""Writes for the knowledge base: articles and their revisions, the workflow, votes,
deflections and the suggestion log. Index updates are enqueued after commit."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from kb import workflow
from kb.models import (
    Article,
    ArticleRevision,
    ArticleVote,
    Deflection,
    RequestArticle,
    SuggestionLog,
)
from portal.enqueue import enqueue_after_commit
from portal.roles import EDIT_KB_PERMISSION, MANAGE_SUPPORT_PERMISSION

EDIT_PERMISSION = EDIT_KB_PERMISSION
MANAGE_PERMISSION = MANAGE_SUPPORT_PERMISSION


class KbError(Exception):
    """Refused action; the message is safe to show."""


def is_editor(user) -> bool:
    return user.is_authenticated and user.has_perm(EDIT_PERMISSION)


def _enqueue_reindex(article: Article) -> None:
    from kb.tasks import kb_index_article

    enqueue_after_commit(kb_index_article, article.pk)


def _unique_slug(title: str, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:200] or "article"
    slug, n = base, 2
    while Article.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _revision(article: Article, *, author, now: datetime, note: str = "") -> ArticleRevision:
    number = (
        article.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    return ArticleRevision.objects.create(
        article=article,
        number=number,
        title=article.title,
        summary=article.summary,
        body=article.body,
        author=author,
        created_at=now,
        note=note,
    )


@transaction.atomic
def article_create(
    *,
    editor,
    title: str,
    body: str,
    summary: str = "",
    product_area: str = Article.ProductArea.GENERAL,
    language: str = Article.Language.EN,
    tags: list[str] | None = None,
    now: datetime | None = None,
) -> Article:
    if not is_editor(editor):
        raise KbError("Only editors can write articles.")
    now = now or timezone.now()
    article = Article.objects.create(
        title=title.strip(),
        slug=_unique_slug(title),
        summary=summary.strip(),
        body=body,
        product_area=product_area,
        language=language,
        tags=tags or [],
        created_by=editor,
        created_at=now,
        updated_at=now,
    )
    _revision(article, author=editor, now=now, note="Created")
    return article


@transaction.atomic
def article_update(
    *,
    article: Article,
    editor,
    title: str,
    body: str,
    summary: str = "",
    product_area: str | None = None,
    language: str | None = None,
    tags: list[str] | None = None,
    note: str = "",
    now: datetime | None = None,
) -> ArticleRevision | None:
    """Save an edit as a new revision; returns None (and writes nothing) when nothing changed.
    A published article stays published and is re-indexed."""
    if not is_editor(editor):
        raise KbError("Only editors can edit articles.")
    now = now or timezone.now()
    locked = Article.objects.select_for_update().get(pk=article.pk)
    changes = {
        "title": title.strip(),
        "summary": summary.strip(),
        "body": body,
        "product_area": product_area or locked.product_area,
        "language": language or locked.language,
        "tags": locked.tags if tags is None else tags,
    }
    if all(getattr(locked, field) == value for field, value in changes.items()):
        return None
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.updated_at = now
    locked.save()
    revision = _revision(locked, author=editor, now=now, note=note)
    if locked.status == Article.Status.PUBLISHED:
        _enqueue_reindex(locked)
    article.refresh_from_db()
    return revision


def article_revision_restore(*, article: Article, revision: ArticleRevision, editor, now=None):
    return article_update(
        article=article,
        editor=editor,
        title=revision.title,
        summary=revision.summary,
        body=revision.body,
        note=f"Restored revision {revision.number}",
        now=now,
    )


@transaction.atomic
def article_transition(*, article: Article, action: str, actor, now=None) -> Article:
    """Apply a workflow action. Raises KbError with the workflow's reason when refused."""
    now = now or timezone.now()
    locked = Article.objects.select_for_update().get(pk=article.pk)
    last_author = locked.revisions.order_by("-number").values_list("author_id", flat=True).first()
    try:
        target = workflow.next_status(
            workflow.Status(locked.status),
            workflow.Action(action),
            workflow.Actor(
                is_editor=is_editor(actor),
                is_manager=actor.has_perm(MANAGE_PERMISSION),
                wrote_last_revision=last_author == actor.pk,
            ),
        )
    except (ValueError, workflow.TransitionNotAllowed) as error:
        raise KbError(str(error)) from None
    was_published = locked.status == Article.Status.PUBLISHED
    locked.status = target.value
    if target is workflow.Status.PUBLISHED:
        locked.published_at = now
    locked.updated_at = now
    locked.save(update_fields=["status", "published_at", "updated_at"])
    if was_published or target is workflow.Status.PUBLISHED:
        _enqueue_reindex(locked)
    article.refresh_from_db()
    return locked


def article_vote(
    *, article: Article, helpful: bool, user=None, session_key: str = "", reason: str = "", now=None
) -> bool:
    """Count one vote per user (or per session for visitors). Returns False for a repeat vote.
    The counter is incremented in the database (F expression), so concurrent votes all count."""
    now = now or timezone.now()
    voter = (
        {"user": user}
        if user is not None and user.is_authenticated
        else {"session_key": session_key}
    )
    if not voter.get("user") and not session_key:
        raise KbError("Your browser did not keep a session; please enable cookies to vote.")
    try:
        with transaction.atomic():
            ArticleVote.objects.create(
                article=article,
                helpful=helpful,
                reason=reason.strip()[:500],
                created_at=now,
                **voter,
            )
            counter = "helpful_yes" if helpful else "helpful_no"
            Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    except IntegrityError:
        return False
    return True


def suggestion_log(
    *,
    user,
    query: str,
    shown: list[int],
    weak: bool,
    support_request=None,
    best_score: float | None = None,
    now=None,
) -> SuggestionLog:
    """Record what a customer typed and what we suggested (the content-gap report reads it)."""
    organization = getattr(getattr(user, "membership", None), "organization", None)
    return SuggestionLog.objects.create(
        user=user if user.is_authenticated else None,
        organization=organization,
        query=query[:2000],
        best_score=best_score,
        shown=shown,
        weak=weak,
        support_request=support_request,
        created_at=now or timezone.now(),
    )


def deflection_record(*, user, article: Article, query: str, support_request=None, now=None):
    organization = getattr(getattr(user, "membership", None), "organization", None)
    return Deflection.objects.create(
        user=user,
        organization=organization,
        article=article,
        query=query[:2000],
        support_request=support_request,
        created_at=now or timezone.now(),
    )


def request_articles_attach(*, support_request, shown: list[int], opened: list[int]) -> int:
    """Remember which articles the customer saw and opened while writing this request."""
    ids = set(shown) | set(opened)
    existing = set(Article.objects.filter(pk__in=ids).values_list("pk", flat=True))
    for article_id in existing:
        RequestArticle.objects.update_or_create(
            support_request=support_request,
            article_id=article_id,
            defaults={"shown": article_id in shown, "opened": article_id in opened},
        )
    return len(existing)
