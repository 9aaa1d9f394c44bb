"""The Django side of search: keeps chunk vectors in the database, writes the index cache,
and answers searches for the portal. Heavy imports (torch) happen only when something embeds."""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kb import search as core
from kb.models import Article, ArticleChunk, SearchIndexState

logger = logging.getLogger(__name__)
NO_MODEL = "unavailable"

# KB_EMBEDDER values served by the ONNX export, and the precision each one uses.
ONNX_PRECISIONS = {"onnx": "fp32", "onnx-int8": "int8"}

_lock = threading.Lock()
_embedders: dict[str, core.Embedder] = {}
_handles: dict[str, core.IndexHandle] = {}


def embedder_get() -> core.Embedder:
    """The process-wide embedder named by settings.KB_EMBEDDER (created lazily, loads lazily)."""
    name = settings.KB_EMBEDDER
    with _lock:
        if name not in _embedders:
            if name == "hashing":
                _embedders[name] = core.HashingEmbedder()
            elif name in ONNX_PRECISIONS:
                return _onnx_embedder(ONNX_PRECISIONS[name])
            elif name == "failing":
                _embedders[name] = core.FailingEmbedder()
            else:
                _embedders[name] = core.SentenceTransformerEmbedder(threads=1)
        return _embedders[name]


def _onnx_embedder(precision: str) -> core.Embedder:
    """The ONNX embedder once its export exists; until then the same model through torch
    (logged once), so a portal whose export is missing still searches semantically. Called with
    _lock held; the export is looked for again on each call until it appears."""
    from kb.search.onnx import OnnxEmbedder, is_exported

    key = f"onnx-{precision}:{settings.KB_ONNX_DIR}"
    if key not in _embedders and is_exported(settings.KB_ONNX_DIR):
        _embedders[key] = OnnxEmbedder(settings.KB_ONNX_DIR, precision=precision)
    if key in _embedders:
        return _embedders[key]
    if "minilm" not in _embedders:
        logger.warning(
            "No ONNX export in %s (manage.py kb_reindex makes it): searching with torch",
            settings.KB_ONNX_DIR,
        )
        _embedders["minilm"] = core.SentenceTransformerEmbedder(threads=1)
    return _embedders["minilm"]


def onnx_export_ensure() -> bool | None:
    """Export the ONNX model when KB_EMBEDDER uses it and it is missing (~10 s, loads torch
    once). True = exported now, False = already there, None = not used or failed (logged:
    search then runs on torch)."""
    if settings.KB_EMBEDDER not in ONNX_PRECISIONS:
        return None
    from kb.search.onnx import ensure_exported

    try:
        return ensure_exported(settings.KB_ONNX_DIR)
    except Exception:  # noqa: BLE001 - any export failure leaves the torch path working
        logger.exception("Exporting the ONNX model to %s failed", settings.KB_ONNX_DIR)
        return None


@functools.lru_cache(maxsize=8)
def _calibration(embedder_name: str) -> core.Calibration:
    """The calibration file is part of the code: read it once per process."""
    return core.load_calibration(embedder_name)


def _handle() -> core.IndexHandle:
    root = str(settings.KB_INDEX_DIR)
    with _lock:
        if root not in _handles:
            _handles[root] = core.IndexHandle(root, check_interval=settings.KB_INDEX_CHECK_SECONDS)
        return _handles[root]


def _vector_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def index_article(*, article_id: int) -> int:
    """Bring the stored chunks of one article in line with its text: published articles are
    chunked and only changed chunks are embedded; other articles lose their chunks.
    Returns how many chunks were (re-)embedded. Never raises when the model cannot load: the
    chunk is kept without a vector and search answers lexically."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None or article.status != Article.Status.PUBLISHED:
        ArticleChunk.objects.filter(article_id=article_id).delete()
        return 0
    embedder = embedder_get()
    chunks = core.chunk_article(str(article.pk), article.title, article.body)
    existing = {row.position: row for row in ArticleChunk.objects.filter(article=article)}
    stale = [
        chunk
        for chunk in chunks
        if (row := existing.get(chunk.ordinal)) is None
        or row.content_hash != chunk.content_hash(embedder.name)
        or row.vector is None
    ]
    vectors: dict[int, bytes | None] = {}
    if stale:
        try:
            embedded = embedder.embed([chunk.text for chunk in stale])
            vectors = {c.ordinal: _vector_bytes(v) for c, v in zip(stale, embedded, strict=True)}
        except core.ModelUnavailable as error:
            logger.warning("article %s indexed without vectors: %s", article.pk, error)
            vectors = dict.fromkeys((c.ordinal for c in stale), None)
    with transaction.atomic():
        for chunk in stale:
            ArticleChunk.objects.update_or_create(
                article=article,
                position=chunk.ordinal,
                defaults={
                    "kind": chunk.kind,
                    "heading": chunk.heading[:300],
                    "text": chunk.text,
                    "body": chunk.body,
                    "content_hash": chunk.content_hash(embedder.name),
                    "model_name": embedder.name,
                    "vector": vectors[chunk.ordinal],
                },
            )
        ArticleChunk.objects.filter(article=article, position__gte=len(chunks)).delete()
    return len(stale)


def index_rebuild() -> int:
    """Write a new version of the index cache from the chunk rows; returns the version.

    Holds a row lock on SearchIndexState so two workers never write versions concurrently."""
    embedder = embedder_get()
    with transaction.atomic():
        state, _ = SearchIndexState.objects.get_or_create(pk=1)
        state = SearchIndexState.objects.select_for_update().get(pk=1)
        rows = list(
            ArticleChunk.objects.filter(article__status=Article.Status.PUBLISHED).order_by(
                "article_id", "position"
            )
        )
        chunks = [
            core.Chunk(
                article_id=str(row.article_id),
                chunk_id=f"{row.article_id}:{row.position}",
                ordinal=row.position,
                kind=row.kind,
                heading=row.heading,
                text=row.text,
                body=row.body,
            )
            for row in rows
        ]
        usable = all(row.vector is not None and row.model_name == embedder.name for row in rows)
        if usable and rows:
            vectors = np.vstack([np.frombuffer(row.vector, dtype=np.float32) for row in rows])
            name = embedder.name
        else:
            # Lexical-only index: the searcher sees the name mismatch and skips dense scoring.
            vectors = np.zeros((len(rows), 1), dtype=np.float32)
            name = NO_MODEL if rows else embedder.name
        index = core.HybridIndex.build(chunks, vectors, embedder_name=name)
        version = core.save_index(index, settings.KB_INDEX_DIR, built_at=timezone.now().isoformat())
        state.version, state.built_at, state.chunk_count = version, timezone.now(), len(rows)
        state.save()
    _handle().invalidate()
    return version


@dataclass(frozen=True)
class Suggestion:
    article: Article
    score: float
    snippet_html: str


@dataclass(frozen=True)
class SuggestResult:
    suggestions: list[Suggestion]
    weak: bool  # candidates existed but none was good enough, or nothing matched at all
    confidence: float
    mode: str


def suggest(
    *, query: str, limit: int | None = None, relative: float | None = None
) -> SuggestResult:
    """Up to ``limit`` published articles that answer ``query``, or none when nothing is good
    enough. Falls back to lexical search (and logs) when the model cannot load; never raises
    for a missing index."""
    limit = limit or settings.KB_SUGGESTIONS
    index = _handle().current()
    if index is None or not query.strip():
        return SuggestResult([], bool(query.strip()), 0.0, "empty")
    embedder = embedder_get()
    searcher = core.Searcher(index, embedder, _calibration(embedder.name))
    result = searcher.search_detailed(query[:2000], k=limit)
    published = Article.objects.filter(
        status=Article.Status.PUBLISHED, pk__in=[int(hit.article_id) for hit in result.hits]
    ).in_bulk()
    # Behind a clear winner, far weaker runners-up are noise for the customer: keep only hits
    # scoring at least ``relative`` × the best one.
    relative = settings.KB_SUGGESTION_RELATIVE if relative is None else relative
    floor = result.hits[0].score * relative if result.hits and result.hits[0].score > 0 else None
    suggestions = [
        Suggestion(published[int(hit.article_id)], hit.score, hit.snippet_html)
        for hit in result.hits
        if int(hit.article_id) in published and (floor is None or hit.score >= floor)
    ]
    return SuggestResult(
        suggestions, weak=not suggestions, confidence=result.confidence, mode=result.mode
    )


def article_search(*, query: str, limit: int = 10) -> list[Suggestion]:
    return suggest(query=query, limit=limit, relative=0.0).suggestions
