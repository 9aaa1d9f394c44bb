"""Pages and commands that do not search never import torch (3 s and ~450 MB)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PAGES_WITHOUT_SEARCH = """
import sys
from django.test import Client
from django.urls import get_resolver
get_resolver().url_patterns  # imports every view module
client = Client()
for path in ("/", "/accounts/login/", "/accounts/signup/"):
    assert client.get(path, HTTP_HOST="localhost").status_code == 200, path
print("torch" in sys.modules, "sentence_transformers" in sys.modules)
"""


def _run(args, tmp_path):
    env = {**os.environ, "CALLGATE_VAR_DIR": str(tmp_path), "KB_EMBEDDER": "minilm"}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_pages_that_do_not_search_never_import_torch(tmp_path):
    result = _run(["shell", "-c", PAGES_WITHOUT_SEARCH], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False False"


def test_commands_that_do_not_search_never_import_torch(tmp_path):
    code = "import sys; print('torch' in sys.modules)"
    assert _run(["migrate", "-v0"], tmp_path).returncode == 0
    result = _run(
        [
            "shell",
            "-c",
            f"from django.core.management import call_command; call_command('check'); {code}",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
