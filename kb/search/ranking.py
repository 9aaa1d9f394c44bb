"""Hybrid ranking, the "no good match" decision and result snippets.

Per query: dense cosine (FAISS) and BM25 are scored per chunk, reduced to the best chunk per
article, fused as `dense + w * bm25 / max(bm25)` (weighted score fusion; `w` and the rest come from
the calibration file), and the top article then goes through a small logistic gate built on
scale-free evidence (best cosine, margin to the runner-up, lexical coverage, agreement between the
dense and the lexical ranking). The gate says "suggest nothing" when the best candidate is not good
enough. If the embedder raises ModelUnavailable the same runs on BM25 alone with the lexical gate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from kb.search.calibration import Calibration, Gate
from kb.search.embedders import Embedder, ModelUnavailable
from kb.search.index import HybridIndex
from kb.search.text import make_snippet, query_terms, snippet_to_html

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Hit:
    """One suggested article, represented by its best chunk."""

    article_id: str
    chunk_id: str
    score: float
    snippet: str  # plain text, not escaped
    highlights: tuple[tuple[int, int], ...] = ()  # spans of query terms inside `snippet`

    @property
    def snippet_html(self) -> str:
        """The snippet escaped, query terms wrapped in <mark>: safe to render unescaped."""
        return snippet_to_html(self.snippet, self.highlights)


@dataclass(frozen=True, slots=True)
class Candidate:
    article_index: int
    article_id: str
    dense: float  # best chunk cosine (0 in lexical mode)
    bm25: float  # best chunk BM25
    score: float  # fused
    chunk_index: int | None  # the chunk to show (best fused body chunk); None past `show`


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Everything a caller may want to record: the hits shown and why.

    `confidence` is the gate's probability that the top candidate is a good match; `suppressed`
    is True when candidates existed but none was good enough (a content-gap signal).
    """

    hits: list[Hit]
    candidates: list[Candidate]
    features: dict[str, float]
    confidence: float
    suppressed: bool
    mode: str  # "hybrid", "lexical" (model unavailable) or "empty"
    terms: list[str] = field(default_factory=list)


class Searcher:
    """Searches one HybridIndex with one embedder; cheap to create per request.

    Never raises for a model failure: it logs and answers lexically.
    """

    def __init__(self, index: HybridIndex, embedder: Embedder | None, calibration: Calibration):
        self.index = index
        self.embedder = embedder
        self.calibration = calibration

    def search(self, query: str, k: int = 3) -> list[Hit]:
        return self.search_detailed(query, k=k).hits

    def search_detailed(self, query: str, k: int = 3) -> SearchResult:
        query = " ".join(query.split())
        terms = query_terms(query)
        if not query or not len(self.index):
            return SearchResult([], [], {}, 0.0, False, "empty", terms)
        vector = self._embed(query)
        candidates = rank_candidates(self.index, terms, vector, self.calibration, show=k)
        if not candidates:
            return SearchResult([], [], {}, 0.0, False, "empty", terms)
        mode = "hybrid" if vector is not None else "lexical"
        features = gate_features(self.index, terms, candidates, vector)
        gate: Gate = self.calibration.gate if vector is not None else self.calibration.lexical_gate
        confidence = gate.probability(features)
        if confidence < gate.threshold:
            return SearchResult([], candidates, features, confidence, True, mode, terms)
        hits = [self._hit(c, terms) for c in candidates[:k]]
        return SearchResult(hits, candidates, features, confidence, False, mode, terms)

    def _embed(self, query: str) -> np.ndarray | None:
        if self.embedder is None:
            return None
        if self.embedder.name != self.index.embedder_name:
            logger.error(
                "index built with %s but query embedder is %s: searching lexically",
                self.index.embedder_name,
                self.embedder.name,
            )
            return None
        try:
            return self.embedder.embed([query])[0]
        except ModelUnavailable as exc:
            logger.warning("embedding model unavailable, lexical search only: %s", exc)
            return None

    def _hit(self, candidate: Candidate, terms: list[str]) -> Hit:
        assert candidate.chunk_index is not None  # rank_candidates(show=k) picked it
        chunk = self.index.chunks[candidate.chunk_index]
        snippet, spans = make_snippet(chunk.body, terms)
        return Hit(
            article_id=candidate.article_id,
            chunk_id=chunk.chunk_id,
            score=round(candidate.score, 4),
            snippet=snippet,
            highlights=spans,
        )


def rank_candidates(
    index: HybridIndex,
    terms: list[str],
    vector: np.ndarray | None,
    calibration: Calibration,
    *,
    show: int = 3,
) -> list[Candidate]:
    """Articles ordered by fused score (best first), at most `calibration.candidates` of them.
    Only the first `show` get the chunk to show picked (the others are never displayed)."""
    bm25_chunks = index.bm25_scores(terms)
    bm25_articles = index.per_article_max(bm25_chunks)
    bm25_top = float(bm25_articles.max()) if len(bm25_articles) else 0.0
    bm25_norm = bm25_articles / bm25_top if bm25_top > 0 else np.zeros_like(bm25_articles)

    n_articles = len(index.article_ids)
    dense_articles = np.zeros(n_articles, dtype=np.float32)
    dense_chunk = np.full(n_articles, -1, dtype=np.int64)
    if vector is not None:
        scores, positions = index.dense_scores(vector, calibration.dense_top)
        # Reverse order so the best chunk of each article is written last and wins.
        articles = index.chunk_article[positions]
        dense_articles[:] = float(scores.min()) if len(scores) else 0.0
        dense_articles[articles[::-1]] = scores[::-1]
        dense_chunk[articles[::-1]] = positions[::-1]
        fused = dense_articles + calibration.bm25_weight * bm25_norm
        codes = [t for t in terms if is_identifier(t)]
        if codes and calibration.identifier_weight:
            # Dense models blur error codes and version numbers; an exact hit decides.
            present = index.per_article_max(index.bm25_scores(codes)) > 0
            fused = fused + calibration.identifier_weight * present
    else:
        fused = bm25_norm.astype(np.float32)
        if bm25_top <= 0:
            return []

    if vector is None:
        fused = np.where(bm25_articles > 0, fused, -np.inf)
    top = min(calibration.candidates, n_articles, int(np.isfinite(fused).sum()))
    if top == 0:
        return []
    order = np.argpartition(-fused, top - 1)[:top]
    order = order[np.argsort(-fused[order], kind="stable")]
    out = []
    for rank, a in enumerate(order):
        a = int(a)
        out.append(
            Candidate(
                article_index=a,
                article_id=index.article_ids[a],
                dense=float(dense_articles[a]) if vector is not None else 0.0,
                bm25=float(bm25_articles[a]),
                score=float(fused[a]),
                chunk_index=(
                    _best_body_chunk(index, a, vector, bm25_chunks, bm25_top, calibration)
                    if rank < show
                    else None
                ),
            )
        )
    return out


def _best_body_chunk(
    index: HybridIndex,
    article_index: int,
    vector: np.ndarray | None,
    bm25_chunks: np.ndarray,
    bm25_top: float,
    calibration: Calibration,
) -> int:
    """The chunk to show: the body chunk with the best fused score (the title chunk only when the
    article has no body)."""
    span = index.article_chunks(article_index)
    body = [p for p in span if index.chunks[p].kind == "body"] or list(span)
    positions = np.asarray(body, dtype=np.int64)
    scores = np.zeros(len(positions), dtype=np.float32)
    if bm25_top > 0:
        scores += calibration.bm25_weight * bm25_chunks[positions] / bm25_top
        scores += (bm25_chunks[positions] > 0) * 1e-3
    if vector is not None:
        scores += index.vectors[positions] @ vector
    return int(positions[int(np.argmax(scores))])


def is_identifier(term: str) -> bool:
    """Error codes, versions, snake_case names: tokens with a digit or an inner separator."""
    return any(ch.isdigit() for ch in term) or any(ch in "._-/" for ch in term)


def coverage(index: HybridIndex, terms: list[str], article_index: int) -> float:
    """IDF-weighted share of the query terms that occur anywhere in the article (0..1)."""
    known = [t for t in terms if t in index.idf]
    if not terms:
        return 0.0
    present: set[str] = set()
    for position in index.article_chunks(article_index):
        present |= index.chunk_terms[position] & set(known)
    # Unknown terms weigh like the rarest known term: a query of unknown words has no cover.
    unknown_weight = max(index.idf.values(), default=1.0)
    total = sum(index.idf[t] for t in known) + unknown_weight * (len(terms) - len(known))
    return sum(index.idf[t] for t in present) / total if total else 0.0


def gate_features(
    index: HybridIndex, terms: list[str], candidates: list[Candidate], vector: np.ndarray | None
) -> dict[str, float]:
    """Evidence about the top candidate, all on scales that do not depend on corpus size."""
    top = candidates[0]
    second = candidates[1] if len(candidates) > 1 else None
    features = {
        "coverage": coverage(index, terms, top.article_index),
        "terms": float(min(len(terms), 8)),
    }
    if vector is not None:
        runner_up = max((c.dense for c in candidates[1:]), default=0.0)
        bm25_best = max(candidates, key=lambda c: c.bm25)
        span = index.article_chunks(top.article_index)
        cosines = np.sort(index.vectors[span.start : span.stop] @ vector)
        features.update(
            dense=top.dense,
            top_mean3=float(cosines[-3:].mean()),
            dense_margin=top.dense - runner_up,
            agree=1.0 if bm25_best.bm25 > 0 and bm25_best.article_id == top.article_id else 0.0,
        )
    else:
        features.update(
            bm25_margin=(top.bm25 - second.bm25) / top.bm25 if second and top.bm25 else 1.0,
        )
    return features


def bm25_article_ranking(index: HybridIndex, query: str, k: int = 5) -> list[str]:
    """Plain BM25 baseline: articles by best-chunk BM25, any article with a matching term."""
    scores = index.per_article_max(index.bm25_scores(query_terms(query)))
    order = np.argsort(-scores, kind="stable")[:k]
    return [index.article_ids[int(a)] for a in order if scores[a] > 0]
