from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ["torch", "sentence_transformers", "transformers", "onnxruntime", "faiss", "bm25s"]


def test_importing_kb_search_loads_no_model_library():
    # given a fresh interpreter, so nothing imported by other tests leaks in
    code = (
        "import json, sys\n"
        "import kb.search, kb.search.onnx, kb.bench\n"
        "from kb.search import SentenceTransformerEmbedder\n"
        "SentenceTransformerEmbedder()\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )

    # when
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    # then
    assert json.loads(out) == []


def test_kb_search_does_not_import_django():
    code = "import sys, kb.search, kb.bench; print('django' in sys.modules)"

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "False"
