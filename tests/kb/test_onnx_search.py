"""Search in the portal on the ONNX backend (the default), and its torch fallback."""

import io
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from kb import search_service
from kb.models import ArticleChunk
from kb.search import SentenceTransformerEmbedder, load_calibration
from kb.search.calibration import OPEN_GATE
from kb.search.onnx import OnnxEmbedder

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
RESET_BODY = "Open the sign-in page and choose *Forgot password*. The link is valid 30 minutes."
INVOICE_BODY = "Invoices are listed under Billing, one PDF per month, for admins only."


@pytest.mark.parametrize("name", ["all-MiniLM-L6-v2+onnx-fp32", "all-MiniLM-L6-v2+onnx-int8pc"])
def test_the_default_backend_is_onnx_and_each_precision_is_calibrated(name):
    from portal import settings as production

    calibration = load_calibration(name)

    assert production.KB_EMBEDDER == "onnx"
    assert calibration.embedder == name
    assert calibration.notes["fitted_on"].startswith("150 articles")  # CLINC150 val + oos_val
    assert OPEN_GATE not in (calibration.gate, calibration.lexical_gate)


def test_without_an_export_search_uses_torch_and_says_so(settings, tmp_path, caplog):
    settings.KB_EMBEDDER = "onnx"
    settings.KB_ONNX_DIR = tmp_path / "not-exported"
    search_service._embedders.pop("minilm", None)

    with caplog.at_level(logging.WARNING, logger="kb.search_service"):
        embedder = search_service.embedder_get()

    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert "No ONNX export" in caplog.text


def test_an_export_that_appears_later_is_picked_up(settings, tmp_path, onnx_model_dir):
    settings.KB_EMBEDDER = "onnx"
    settings.KB_ONNX_DIR = tmp_path / "onnx-minilm"
    assert isinstance(search_service.embedder_get(), SentenceTransformerEmbedder)

    shutil.copytree(onnx_model_dir, settings.KB_ONNX_DIR)

    assert isinstance(search_service.embedder_get(), OnnxEmbedder)


@pytest.mark.parametrize(
    ("backend", "model_name"),
    [("onnx", "all-MiniLM-L6-v2+onnx-fp32"), ("onnx-int8", "all-MiniLM-L6-v2+onnx-int8pc")],
)
def test_onnx_search_answers_paraphrases_and_abstains(
    publish, settings, onnx_model_dir, backend, model_name
):
    # given: articles published and indexed through the workflow with the real model
    settings.KB_EMBEDDER = backend
    settings.KB_ONNX_DIR = onnx_model_dir
    reset = publish("Reset your password", RESET_BODY)
    invoice = publish("Download an invoice", INVOICE_BODY)

    # when
    forgot = search_service.suggest(query="I can't remember how to log in").suggestions
    billing = search_service.suggest(query="how do I get a copy of last month's bill").suggestions
    weather = search_service.suggest(query="what's the weather like in lisbon tomorrow")

    # then
    assert set(ArticleChunk.objects.values_list("model_name", flat=True)) == {model_name}
    assert forgot[0].article == reset
    assert billing[0].article == invoice
    assert weather.suggestions == [] and weather.mode == "hybrid"


def test_reindex_exports_the_model_when_it_is_missing(
    publish, settings, tmp_path, onnx_model_dir, monkeypatch
):
    # given: an article indexed with another embedder and no export yet; the ~10 s torch export
    # is replaced by a copy of the session's real one
    publish("Reset your password", RESET_BODY)
    settings.KB_EMBEDDER = "onnx"
    settings.KB_ONNX_DIR = tmp_path / "onnx-minilm"
    exported = []

    def copy_export(outdir):
        exported.append(outdir)
        for item in onnx_model_dir.iterdir():
            shutil.copy(item, outdir)

    monkeypatch.setattr("kb.search.onnx.export_onnx", copy_export)
    out = io.StringIO()

    # when
    call_command("kb_reindex", stdout=out)

    # then
    assert len(exported) == 1
    assert "Exporting all-MiniLM-L6-v2 to ONNX" in out.getvalue()
    assert "2 chunks embedded with all-MiniLM-L6-v2+onnx-fp32" in out.getvalue()
    assert isinstance(search_service.embedder_get(), OnnxEmbedder)


def test_a_failed_export_is_reported_and_indexing_goes_on(publish, settings, tmp_path, monkeypatch):
    publish("Reset your password", RESET_BODY)
    settings.KB_EMBEDDER = "onnx"
    settings.KB_ONNX_DIR = tmp_path / "onnx-minilm"

    def broken_export(outdir):
        raise RuntimeError("no space left on device")

    monkeypatch.setattr("kb.search.onnx.export_onnx", broken_export)
    out, err = io.StringIO(), io.StringIO()

    call_command("kb_reindex", stdout=out, stderr=err)

    assert "indexing with torch instead" in err.getvalue()
    assert "with all-MiniLM-L6-v2." in out.getvalue()
    assert not settings.KB_ONNX_DIR.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".onnx")]


SEARCH_WITHOUT_TORCH = """
import sys
from django.contrib.auth import get_user_model
from kb import search_service
from django.utils import timezone
from kb.models import Article
editor = get_user_model().objects.create_user("e@x.test", "e@x.test")
now = timezone.now()
article = Article.objects.create(title="Reset your password", slug="reset", status="published",
    body="Open the sign-in page and choose Forgot password.", created_by=editor,
    created_at=now, updated_at=now, published_at=now)
search_service.index_article(article_id=article.pk)
search_service.index_rebuild()
hits = search_service.suggest(query="I forgot my password").suggestions
print([h.article.slug for h in hits], "torch" in sys.modules)
"""


def test_a_process_searching_with_onnx_never_imports_torch(tmp_path, onnx_model_dir):
    env = {
        **os.environ,
        "CALLGATE_VAR_DIR": str(tmp_path),
        "KB_EMBEDDER": "onnx",
        "KB_ONNX_DIR": str(onnx_model_dir),
        "CELERY_BROKER_URL": "memory://",
    }
    env.pop("DATABASE_URL", None)

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )

    assert manage("migrate", "-v0").returncode == 0
    result = manage("shell", "-c", SEARCH_WITHOUT_TORCH)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['reset'] False"
