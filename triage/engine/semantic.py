"""Semantic similarity to labelled examples: a small softmax classifier on sentence embeddings.

The classifier is trained from `triage/data/examples.jsonl` (shipped, written by hand, disjoint
from the benchmark cases) the first time an embedder is used, and cached per embedder. The
embedder is injected: any callable text -> vector, so tests pass a small deterministic one and the
portal passes `triage.engine.embedding.default_embedder()`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from triage.engine.types import IssueType, Tier

EXAMPLES_PATH = Path(__file__).resolve().parent.parent / "data" / "examples.jsonl"
TIER_ORDER = (Tier.EMERGENCY, Tier.URGENT, Tier.SEMI_URGENT, Tier.NON_URGENT, Tier.INFORMATIONAL)
ISSUE_ORDER = tuple(IssueType)


@runtime_checkable
class Embedder(Protocol):
    """text -> 1-D vector. An embedder may also offer `embed_many(texts) -> 2-D array` to batch
    the one-off training pass."""

    def __call__(self, text: str) -> Sequence[float] | np.ndarray: ...


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    tier: Tier
    issue_type: IssueType


@dataclass(frozen=True, slots=True)
class SemanticResult:
    tier_probs: dict[Tier, float]
    issue_probs: dict[IssueType, float]

    @property
    def tier(self) -> Tier:
        return max(self.tier_probs, key=lambda t: self.tier_probs[t])

    @property
    def issue_type(self) -> IssueType:
        return max(self.issue_probs, key=lambda t: self.issue_probs[t])

    @property
    def margin(self) -> float:
        top = sorted(self.tier_probs.values(), reverse=True)
        return top[0] - top[1] if len(top) > 1 else top[0]


def load_examples(path: Path = EXAMPLES_PATH) -> tuple[Example, ...]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            data = json.loads(line)
            rows.append(
                Example(
                    text=data["text"],
                    tier=Tier.from_label(data["tier"]),
                    issue_type=IssueType(data["issue_type"]),
                )
            )
    return tuple(rows)


def _embed_all(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    many = getattr(embedder, "embed_many", None)
    if callable(many):
        matrix = np.asarray(many(list(texts)), dtype=np.float32)
    else:
        matrix = np.stack([np.asarray(embedder(t), dtype=np.float32) for t in texts])
    return _normalize(matrix)


def _normalize(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    result: np.ndarray = e / e.sum(axis=-1, keepdims=True)
    return result


def _fit_softmax(
    x: np.ndarray, y: np.ndarray, classes: int, *, l2: float = 1e-3, steps: int = 400
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression by full-batch gradient descent (deterministic)."""
    n, d = x.shape
    w = np.zeros((d, classes), dtype=np.float64)
    b = np.zeros(classes, dtype=np.float64)
    onehot = np.eye(classes)[y]
    # class weights: rare tiers count as much as common ones
    counts = onehot.sum(axis=0)
    sample_w = (n / (classes * np.maximum(counts, 1)))[y][:, None]
    lr = 2.0
    xd = x.astype(np.float64)
    for _ in range(steps):
        p = _softmax(xd @ w + b)
        g = (p - onehot) * sample_w / n
        w -= lr * (xd.T @ g + l2 * w)
        b -= lr * g.sum(axis=0)
    return w, b


@dataclass(frozen=True, slots=True)
class SemanticClassifier:
    embedder: Embedder
    tier_w: np.ndarray
    tier_b: np.ndarray
    issue_w: np.ndarray
    issue_b: np.ndarray
    # scale logits: the embedding space is compact, so sharpen the softmax
    temperature: float = 0.3

    @classmethod
    def train(cls, embedder: Embedder, examples: Sequence[Example]) -> SemanticClassifier:
        x = _embed_all(embedder, [e.text for e in examples])
        y_tier = np.array([TIER_ORDER.index(e.tier) for e in examples])
        y_issue = np.array([ISSUE_ORDER.index(e.issue_type) for e in examples])
        tw, tb = _fit_softmax(x, y_tier, len(TIER_ORDER))
        iw, ib = _fit_softmax(x, y_issue, len(ISSUE_ORDER))
        return cls(embedder, tw, tb, iw, ib)

    def predict(self, text: str) -> SemanticResult:
        vec = _normalize(np.asarray(self.embedder(text), dtype=np.float64).reshape(1, -1))
        tp = _softmax((vec @ self.tier_w + self.tier_b) / self.temperature)[0]
        ip = _softmax((vec @ self.issue_w + self.issue_b) / self.temperature)[0]
        return SemanticResult(
            tier_probs={t: float(p) for t, p in zip(TIER_ORDER, tp, strict=True)},
            issue_probs={t: float(p) for t, p in zip(ISSUE_ORDER, ip, strict=True)},
        )


_CACHE: dict[int, tuple[Embedder, SemanticClassifier]] = {}
_LOCK = threading.Lock()


def classifier_for(embedder: Embedder) -> SemanticClassifier:
    """The classifier trained for this embedder (trained on first call, then cached)."""
    key = id(embedder)
    cached = _CACHE.get(key)
    if cached is not None and cached[0] is embedder:
        return cached[1]
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached[0] is embedder:
            return cached[1]
        clf = SemanticClassifier.train(embedder, load_examples())
        if len(_CACHE) >= 8:
            _CACHE.clear()
        _CACHE[key] = (embedder, clf)
        return clf
