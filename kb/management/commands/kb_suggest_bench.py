"""``manage.py kb_suggest_bench [--chunks 10000] [--queries 300] [--json]``: the suggestion
endpoint end to end — HTTP through gunicorn and Django (1 worker, 1 thread) to the request
form's ``/requests/suggest/`` — over a throwaway KB of StackFAQ threads padded with CLINC150
distractors to ``--chunks`` chunks. In the same run it times the same endpoint with a query too
short to search (Django, session and template only) as the baseline.

Everything lives in a temporary directory (its own SQLite database and index); the live KB is
never touched."""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

ROOT = Path(settings.BASE_DIR)


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--chunks", type=int, default=10_000)
        parser.add_argument("--queries", type=int, default=300)
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--setup-only", help=argparse_suppress(), default="")

    def handle(self, *args, **options):
        if options["setup_only"]:
            return self._setup(options["chunks"], Path(options["setup_only"]))
        with tempfile.TemporaryDirectory(prefix="kb-suggest-bench-") as tmp:
            return self._run(options, Path(tmp))

    # -- parent: build the isolated KB in a child process, serve it, measure ------------------

    def _run(self, options, tmp: Path):
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "CALLGATE_VAR_DIR": str(tmp),
            "KB_INDEX_DIR": str(tmp / "kb-index"),
            "KB_EMBEDDER": settings.KB_EMBEDDER,
            "KB_ONNX_DIR": str(settings.KB_ONNX_DIR),  # the export is reused, not redone
            "TRIAGE_EMBEDDER": "none",
            "DEBUG": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "CELERY_BROKER_URL": "memory://",
            "LOG_LEVEL": "WARNING",
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        self.stderr.write("building an isolated KB (migrate, articles, embeddings, index)…")
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        subprocess.run(
            [
                *manage,
                "kb_suggest_bench",
                "--chunks",
                str(options["chunks"]),
                "--setup-only",
                str(tmp),
            ],
            env=env,
            check=True,
        )
        session = (tmp / "session").read_text().strip()
        queries = json.loads((tmp / "queries.json").read_text())[: options["queries"]]
        port = _free_port()
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "portal.wsgi", "--workers", "1",
             "--threads", "1", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        try:
            connection = _wait_for(port)
            headers = {"Cookie": f"sessionid={session}", "HX-Request": "true", "Host": "localhost"}

            def get(subject: str) -> float:
                path = "/requests/suggest/?" + urllib.parse.urlencode({"subject": subject})
                started = time.perf_counter()
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                elapsed = (time.perf_counter() - started) * 1000
                if response.status != 200:
                    raise RuntimeError(f"{path} answered {response.status}: {body[:200]!r}")
                return elapsed

            self.stderr.write("warming up (the first search loads the model)…")
            for query in queries[:5]:
                get(query["query"])
            search = [get(q["query"]) for q in queries]
            baseline = [get("ab") for _ in queries]
        finally:
            server.terminate()
            server.wait(timeout=20)
        result = {
            "chunks": int((tmp / "chunk_count").read_text()),
            "queries": len(queries),
            "search_ms": {"p50": round(statistics.median(search), 2), "p95": round(_percentile(search, 0.95), 2)},
            "baseline_no_search_ms": {
                "p50": round(statistics.median(baseline), 2),
                "p95": round(_percentile(baseline, 0.95), 2),
            },
            "embedder": (tmp / "embedder").read_text(),
        }  # fmt: skip
        result["search_over_baseline_p95"] = round(
            result["search_ms"]["p95"] / max(result["baseline_no_search_ms"]["p95"], 0.01), 1
        )
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=1))
            return
        self.stdout.write(
            f"Suggestion endpoint, HTTP end to end, {result['chunks']:,} chunks, "
            f"{result['queries']} queries, 1 worker × 1 thread, embedder {result['embedder']}\n"
            f"{'':24}{'p50 ms':>9}{'p95 ms':>9}\n"
            f"{'search (3 suggestions)':24}{result['search_ms']['p50']:>9}{result['search_ms']['p95']:>9}\n"
            f"{'baseline (no search)':24}{result['baseline_no_search_ms']['p50']:>9}"
            f"{result['baseline_no_search_ms']['p95']:>9}\n"
        )  # fmt: skip

    # -- child: runs against the throwaway database ---------------------------------------------

    def _setup(self, chunks: int, tmp: Path):
        from django.contrib.sessions.backends.db import SessionStore
        from django.utils import timezone

        from kb import bench, search_service
        from kb.models import Article

        articles, queries = bench.convert_stackfaq(
            bench.EVAL_DATA / "stackfaq" / "stackExchange-FAQ.json"
        )
        search_service.onnx_export_ensure()
        (tmp / "embedder").write_text(search_service.embedder_get().name)
        have = sum(len(search_service.core.chunk_article(a.id, a.title, a.body)) for a in articles)
        articles += bench.padding_articles(max(0, chunks - have))
        editor, requester = _bench_people()
        now = timezone.now()
        rows = Article.objects.bulk_create(
            Article(title=a.title[:200], slug=f"bench-{i}", body=a.body, status="published",
                    created_by=editor, created_at=now, updated_at=now, published_at=now)
            for i, a in enumerate(articles)
        )  # fmt: skip
        for n, row in enumerate(rows, 1):
            search_service.index_article(article_id=row.pk)
            if n % 500 == 0:
                self.stderr.write(f"  embedded {n}/{len(rows)} articles")
        search_service.index_rebuild()
        from kb.models import ArticleChunk

        (tmp / "chunk_count").write_text(str(ArticleChunk.objects.count()))
        session = SessionStore()
        session["_auth_user_id"] = str(requester.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = requester.get_session_auth_hash()
        session.create()
        (tmp / "session").write_text(session.session_key)
        (tmp / "queries.json").write_text(json.dumps([{"query": q.query} for q in queries]))


def _bench_people():
    from django.contrib.auth import get_user_model

    from portal.models import Membership, Organization

    User = get_user_model()
    editor = User.objects.create_user("bench-editor@bench.test", "bench-editor@bench.test")
    requester = User.objects.create_user("bench-customer@bench.test", "bench-customer@bench.test")
    organization = Organization.objects.create(name="Bench Org", email_domain="bench.test")
    Membership.objects.create(user=requester, organization=organization)
    return editor, requester


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int) -> http.client.HTTPConnection:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/", headers={"Host": "localhost"})
            connection.getresponse().read()
            return connection
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the bench server did not start")
