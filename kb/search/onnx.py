"""all-MiniLM-L6-v2 on ONNX Runtime, no torch: fp32 (torch's vectors, ~4 ms a query instead of
~11) or int8 (per-channel weights, ~2 ms, cosine ~0.995 to torch's).

`export_onnx(outdir)` is a build step, run once per machine by `manage.py kb_reindex` (it needs
torch, transformers and the `onnx` package, all offline): it exports the packaged model's
transformer in fp32, quantizes a copy dynamically to int8 and copies the tokenizer.
`OnnxEmbedder` then needs only onnxruntime and tokenizers at run time. Mean pooling and L2
normalization reproduce sentence-transformers' pipeline for this model.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from kb.search.embedders import (
    DEFAULT_MODEL_NAME,
    ModelUnavailable,
    _LazyModel,
    normalize,
    packaged_model_path,
)

# One export holds both precisions. fp32 gives torch's vectors (cosine 1.0000) at ~4 ms a query;
# int8 (per-channel weights) ~2 ms at cosine ~0.995. The name is stored with each vector.
FILES = {"fp32": "model.fp32.onnx", "int8": "model.int8.onnx"}
EMBEDDER_NAMES = {
    "fp32": f"{DEFAULT_MODEL_NAME}+onnx-fp32",
    "int8": f"{DEFAULT_MODEL_NAME}+onnx-int8pc",
}
EXPORT_FORMAT = 3  # bumped when the export changes: older exports are redone
MAX_TOKENS = 256  # the model's max_seq_length in sentence-transformers


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The exporter and the quantizer print tracer warnings and one log line per tensor."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


def export_onnx(outdir: str | Path) -> None:
    """Export the packaged model to `outdir` (created) in fp32 and int8, with its tokenizer."""
    with _quiet():
        _export(Path(outdir))


def _export(out: Path) -> None:
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    out.mkdir(parents=True, exist_ok=True)
    source = packaged_model_path()
    model = AutoModel.from_pretrained(str(source), local_files_only=True).eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    dummy = {
        "input_ids": torch.ones((1, 8), dtype=torch.int64),
        "attention_mask": torch.ones((1, 8), dtype=torch.int64),
        "token_type_ids": torch.zeros((1, 8), dtype=torch.int64),
    }
    fp32 = out / FILES["fp32"]
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        Encoder(),
        tuple(dummy.values()),
        str(fp32),
        input_names=list(dummy),
        output_names=["last_hidden_state"],
        dynamic_axes={**dict.fromkeys(dummy, axes), "last_hidden_state": axes},
        opset_version=17,
        dynamo=False,
    )
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # per-channel weight scales: mean cosine to the torch vectors 0.995 instead of 0.969
    # per-tensor, and no slower
    quantize_dynamic(
        str(fp32), str(out / FILES["int8"]), weight_type=QuantType.QInt8, per_channel=True
    )
    shutil.copy(source / "tokenizer.json", out / "tokenizer.json")
    (out / "onnx_model.json").write_text(
        json.dumps({"model": DEFAULT_MODEL_NAME, "files": FILES, "format": EXPORT_FORMAT}),
        encoding="utf-8",
    )


def is_exported(model_dir: str | Path) -> bool:
    """True when `model_dir` holds a complete export (the info file is written last)."""
    directory = Path(model_dir)
    info_file = directory / "onnx_model.json"
    if not info_file.exists():
        return False
    try:
        info = json.loads(info_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        info.get("model") == DEFAULT_MODEL_NAME
        and info.get("format") == EXPORT_FORMAT
        and all((directory / name).is_file() for name in FILES.values())
    )


def ensure_exported(model_dir: str | Path) -> bool:
    """Export into `model_dir` unless a complete export is already there; returns True when it
    exported. The export is written to a sibling temporary directory and renamed into place, so
    a process reading `model_dir` never sees half a model, and two exporters cannot mix files."""
    target = Path(model_dir)
    if is_exported(target):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; web workers may run as another user
        export_onnx(staging)
        if is_exported(target):  # another process finished first
            return False
        if target.exists():  # an incomplete leftover
            shutil.rmtree(target)
        try:
            staging.rename(target)
        except OSError:
            if not is_exported(target):  # not a concurrent exporter winning the race
                raise
            return False
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return True


class OnnxEmbedder:
    """Embeds with an exported ONNX model in `precision` "fp32" or "int8"; `name` is the torch
    model's name plus a suffix, so its vectors are never mixed with others in one index."""

    def __init__(
        self,
        model_dir: str | Path | None = None,
        *,
        precision: str = "fp32",
        threads: int = 1,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        if precision not in FILES:
            raise ValueError(f"precision must be one of {sorted(FILES)}, not {precision!r}")
        self._dir = Path(model_dir) if model_dir else default_onnx_dir()
        self._precision = precision
        self._threads = threads
        self._max_tokens = max_tokens
        self._lazy = _LazyModel()

    @property
    def name(self) -> str:
        return EMBEDDER_NAMES[self._precision]

    @property
    def dim(self) -> int:
        return 384

    def _load(self) -> tuple[Any, Any]:
        if not is_exported(self._dir):
            raise ModelUnavailable(f"no exported ONNX model in {self._dir} (run kb_reindex)")
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelUnavailable(f"onnxruntime/tokenizers not installed: {exc}") from exc
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(
            str(self._dir / FILES[self._precision]), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(self._dir / "tokenizer.json"))
        tokenizer.enable_truncation(self._max_tokens)
        tokenizer.no_padding()  # tokenizer.json pads to 128; one text needs no padding
        return session, tokenizer

    def embed(self, texts: list[str]) -> np.ndarray:
        """One text per run, never a padded batch: int8 activations are quantized with the
        range of the whole input, so in a batch a text's vector would depend on its neighbours
        (cosine 0.99 to itself alone), and padding long chunks to the longest costs 4x the time
        (StackFAQ's 746 chunks: 12 s one by one, 50 s in batches of 32)."""
        session, tokenizer = self._lazy.get(self._load)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = np.array([tokenizer.encode(text).ids], dtype=np.int64)
            hidden = session.run(
                None,
                {
                    "input_ids": ids,
                    "attention_mask": np.ones_like(ids),
                    "token_type_ids": np.zeros_like(ids),
                },
            )[0]
            out[row] = hidden[0].mean(axis=0)
        return normalize(out)


def default_onnx_dir() -> Path:
    """Where `python -m kb.search.onnx` exports to by default (inside the project's var/)."""
    return Path(__file__).resolve().parents[2] / "var" / "onnx-minilm"


if __name__ == "__main__":
    import sys

    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else default_onnx_dir()
    print(f"{'exported to' if ensure_exported(directory) else 'already exported in'} {directory}")
