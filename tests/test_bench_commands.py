"""The benchmark commands print their figures for our system and the baseline in one run."""

import json

import pytest
from django.core.management import load_command_class


def call_bench(name, *argv):
    """Run a benchmark command as `manage.py NAME …` does; it exits with the module's status."""
    app = {"triage_bench": "triage", "kb_bench": "kb"}[name]
    with pytest.raises(SystemExit) as exit_info:
        load_command_class(app, name).run_from_argv(["manage.py", name, *argv])
    return exit_info.value.code


def test_triage_bench_prints_engine_and_keyword_baseline(tmp_path, capsys):
    # given: three hand-written cases
    cases = tmp_path / "cases.jsonl"
    rows = [
        {"subject": "Production down", "body": "Our production API is down for all 300 users, "
         "no workaround, nothing loads since 09:00.", "tier": "Emergency",
         "impact": {"production_affected": True, "users_affected": 300}},
        {"subject": "How to export", "body": "How do I export the monthly report to CSV?",
         "tier": "Non-urgent"},
        {"subject": "Dark mode?", "body": "Is a dark mode on your roadmap?", "tier": "Informational"},
    ]  # fmt: skip
    cases.write_text("\n".join(json.dumps(r) for r in rows))
    # when
    status = call_bench("triage_bench", "--cases", str(cases), "--no-semantic", "--json")
    # then
    result = json.loads(capsys.readouterr().out)
    assert status == 0
    assert result["n_cases"] == 3
    assert set(result["systems"]) == {"engine", "keyword_baseline"}
    engine = result["systems"]["engine"]["tiers"]
    assert engine["emergency_recall"] == 1.0
    assert engine["under_triage_rate"] == 0.0


def test_kb_bench_prints_ours_and_bm25(tmp_path, capsys):
    articles = tmp_path / "a.jsonl"
    queries = tmp_path / "q.jsonl"
    articles.write_text(
        "\n".join(
            json.dumps(a)
            for a in [
                {"id": "reset", "title": "Reset your password", "body": "Open Settings, Security."},
                {"id": "csv", "title": "Export a report to CSV", "body": "Choose Export, CSV."},
            ]
        )
    )
    queries.write_text(
        "\n".join(
            json.dumps(q)
            for q in [
                {"query": "reset password", "article_id": "reset"},
                {"query": "export csv report", "article_id": "csv"},
            ]
        )
    )
    status = call_bench(
        "kb_bench", "--articles", str(articles), "--queries", str(queries),
        "--embedder", "hashing", "--json",
    )  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert status == 0
    assert (result["articles"], result["queries"]) == (2, 2)
    assert result["hybrid"]["recall@1"] == 1.0 and result["bm25"]["recall@1"] == 1.0
    assert {"latency_p50_ms", "latency_p95_ms", "mrr"} <= set(result["hybrid"])
