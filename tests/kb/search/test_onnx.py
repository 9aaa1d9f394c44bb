"""The ONNX Runtime backend: a real export of the packaged model, compared with torch."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from kb.search import SentenceTransformerEmbedder
from kb.search.embedders import ModelUnavailable
from kb.search.onnx import OnnxEmbedder, ensure_exported, is_exported

SENTENCES = [
    "I can't remember my password",
    "Sync fails with error E1042 behind the corporate proxy",
    "How do I download last month's invoice as a PDF?",
    "Our whole team is locked out since the SSO certificate expired this morning",
]


def test_the_export_is_complete_and_not_redone(onnx_model_dir):
    info = json.loads((onnx_model_dir / "onnx_model.json").read_text())

    assert is_exported(onnx_model_dir)
    assert info == {
        "model": "all-MiniLM-L6-v2",
        "files": {"fp32": "model.fp32.onnx", "int8": "model.int8.onnx"},
        "format": 3,
    }
    assert onnx_model_dir.stat().st_mode & 0o755 == 0o755  # readable by web workers
    assert ensure_exported(onnx_model_dir) is False  # already there: nothing exported
    assert not [p for p in onnx_model_dir.parent.iterdir() if p.name.startswith(".")]


@pytest.fixture(scope="module")
def torch_vectors():
    return SentenceTransformerEmbedder(threads=1).embed(SENTENCES)


def test_fp32_gives_the_torch_vectors(onnx_model_dir, torch_vectors):
    onnx = OnnxEmbedder(onnx_model_dir, precision="fp32")

    vectors = onnx.embed(SENTENCES)

    assert np.allclose(vectors, torch_vectors, atol=1e-4)
    assert onnx.name == "all-MiniLM-L6-v2+onnx-fp32"


def test_int8_vectors_stay_close_to_the_torch_ones(onnx_model_dir, torch_vectors):
    onnx = OnnxEmbedder(onnx_model_dir, precision="int8")

    fast, exact = onnx.embed(SENTENCES), torch_vectors

    assert fast.shape == (4, 384) and fast.dtype == np.float32
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert np.all(np.sum(fast * exact, axis=1) > 0.97)
    # the int8 space keeps the neighbourhoods: each sentence is nearest to its torch twin
    assert list(np.argmax(fast @ exact.T, axis=1)) == [0, 1, 2, 3]
    assert onnx.name == "all-MiniLM-L6-v2+onnx-int8pc"


def test_a_text_gets_the_same_vector_alone_and_among_others(onnx_model_dir):
    onnx = OnnxEmbedder(onnx_model_dir, precision="int8")

    alone = onnx.embed([SENTENCES[0]])[0]
    among_others = onnx.embed(SENTENCES)[0]

    assert np.array_equal(alone, among_others)


def test_a_half_written_export_is_not_used(onnx_model_dir, tmp_path):
    partial = tmp_path / "onnx-minilm"
    shutil.copytree(onnx_model_dir, partial)
    (partial / "onnx_model.json").unlink()

    assert not is_exported(partial)
    with pytest.raises(ModelUnavailable, match="no exported ONNX model"):
        OnnxEmbedder(partial).embed(["hello"])


def test_an_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="precision must be one of"):
        OnnxEmbedder(precision="int4")
