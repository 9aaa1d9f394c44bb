"""Reads for the knowledge base, with the editor access check in one place."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from kb.models import Article, ArticleRevision, SuggestionLog
from kb.services import is_editor


def _require_editor(user) -> None:
    if not is_editor(user):
        raise PermissionDenied("This page is for knowledge-base editors.")


def article_list_for_editor(
    *, user, status: str = "", product_area: str = "", q: str = ""
) -> QuerySet[Article]:
    _require_editor(user)
    qs = Article.objects.all()
    if status:
        qs = qs.filter(status=status)
    if product_area:
        qs = qs.filter(product_area=product_area)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(summary__icontains=q) | Q(body__icontains=q))
    return qs.order_by("-updated_at")


def article_get_for_editor(*, user, pk: int) -> Article:
    _require_editor(user)
    try:
        return Article.objects.get(pk=pk)
    except Article.DoesNotExist:
        raise Http404("No such article.") from None


def revision_get_for_editor(*, user, article: Article, number: int) -> ArticleRevision:
    _require_editor(user)
    try:
        return article.revisions.select_related("author").get(number=number)
    except ArticleRevision.DoesNotExist:
        raise Http404("No such revision.") from None


def revision_diff(*, old: ArticleRevision, new: ArticleRevision) -> list[tuple[str, str]]:
    """A line diff of title, summary and body as (kind, line) pairs: kind is '+', '-' or ' '."""

    def lines(revision):
        return [f"# {revision.title}", revision.summary, "", *revision.body.splitlines()]

    diff = difflib.ndiff(lines(old), lines(new))
    return [(line[0], line[2:]) for line in diff if line[:1] in "+- "]


def article_get_published(*, slug: str) -> Article:
    try:
        return Article.objects.get(slug=slug, status=Article.Status.PUBLISHED)
    except Article.DoesNotExist:
        raise Http404("No such article.") from None


def article_get_published_by_id(*, pk: int) -> Article:
    try:
        return Article.objects.get(pk=pk, status=Article.Status.PUBLISHED)
    except Article.DoesNotExist:
        raise Http404("No such article.") from None


def article_list_published() -> QuerySet[Article]:
    return Article.objects.filter(status=Article.Status.PUBLISHED)


@dataclass(frozen=True)
class ContentGap:
    query: str  # the most typical wording of the group
    count: int
    examples: list[str]
    submitted: int  # how many of them went on to submit a request anyway


def content_gaps(*, user, since=None, limit: int = 500, threshold: float = 0.6) -> list[ContentGap]:
    """What customers typed when the best suggestion was weak or when they submitted anyway,
    grouped by embedding similarity (greedy, cosine ≥ ``threshold``), largest group first.
    Falls back to grouping identical wording when the model cannot load."""
    _require_editor(user)
    from kb import search_service
    from kb.search import ModelUnavailable

    logs = SuggestionLog.objects.filter(Q(weak=True) | Q(support_request__isnull=False))
    if since is not None:
        logs = logs.filter(created_at__gte=since)
    rows = list(logs.order_by("-created_at").values_list("query", "support_request_id")[:limit])
    if not rows:
        return []
    texts = [" ".join(query.split()) for query, _ in rows]
    try:
        vectors = search_service.embedder_get().embed(texts)
    except ModelUnavailable:
        vectors = None
    groups: list[list[int]] = []
    centroids: list[np.ndarray] = []
    for i, text in enumerate(texts):
        target = None
        if vectors is not None and centroids:
            sims = np.array([float(c @ vectors[i]) for c in centroids])
            best = int(sims.argmax())
            target = best if sims[best] >= threshold else None
        elif vectors is None:
            target = next(
                (
                    g
                    for g, members in enumerate(groups)
                    if texts[members[0]].lower() == text.lower()
                ),
                None,
            )
        if target is None:
            groups.append([i])
            if vectors is not None:
                centroids.append(vectors[i].copy())
        else:
            groups[target].append(i)
            if vectors is not None:
                mean = vectors[groups[target]].mean(axis=0)
                centroids[target] = mean / (np.linalg.norm(mean) or 1.0)
    result = []
    for g, members in enumerate(groups):
        if vectors is not None:
            central = max(members, key=lambda m: float(vectors[m] @ centroids[g]))
        else:
            central = members[0]
        examples = list(dict.fromkeys(texts[m] for m in members))[:5]
        submitted = sum(1 for m in members if rows[m][1] is not None)
        result.append(ContentGap(texts[central], len(members), examples, submitted))
    return sorted(result, key=lambda gap: (-gap.count, gap.query))
