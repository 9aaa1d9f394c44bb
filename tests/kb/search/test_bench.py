from __future__ import annotations

import json

import pytest

from kb.bench import (
    EVAL_DATA,
    Article,
    Query,
    convert_clinc150,
    convert_stackfaq,
    format_table,
    main,
    ranking_metrics,
    read_articles,
    read_queries,
    run_bench,
)
from kb.search import HashingEmbedder

STACKFAQ = EVAL_DATA / "stackfaq" / "stackExchange-FAQ.json"
CLINC150 = EVAL_DATA / "clinc150" / "data_dev.json"


def test_ranking_metrics_on_a_tiny_set():
    # given: hit at 1, hit at 3, suppressed in-scope, miss; one oos suppressed, one oos answered
    rankings = [["a", "b"], ["x", "y", "b", "z"], [], ["x", "y", "z", "w", "v", "c"], [], ["a"]]
    golds = ["a", "b", "c", "c", None, None]

    # when
    metrics = ranking_metrics(rankings, golds, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])

    # then
    assert metrics == {
        "queries": 6,
        "in_scope": 4,
        "out_of_scope": 2,
        "recall@1": 0.25,
        "recall@3": 0.5,
        "recall@5": 0.5,
        "mrr": round((1 + 1 / 3 + 0 + 1 / 6) / 4, 4),
        "oos_no_suggestion": 0.5,
        "in_scope_no_suggestion": 0.25,
        "latency_p50_ms": 3.5,
        "latency_p95_ms": 5.75,
    }


def test_run_bench_scores_hybrid_and_bm25_in_one_run():
    # given
    articles = [
        Article("pw", "Reset your password", "Use the forgot password link on sign-in."),
        Article("inv", "Download an invoice", "Invoices are in Billing as PDF files."),
    ]
    queries = [Query("forgot password", "pw"), Query("invoice pdf", "inv"), Query("hi", None)]

    # when
    result = run_bench(articles, queries, HashingEmbedder())

    # then
    assert (result["articles"], result["chunks"], result["queries"]) == (2, 4, 3)
    assert result["hybrid"]["recall@1"] == 1.0
    assert result["bm25"]["recall@1"] == 1.0
    assert result["bm25"]["oos_no_suggestion"] == 1.0
    assert "| recall@1 | 1.000 | 1.000 |" in format_table(result).splitlines()


def test_cli_converts_and_benchmarks_jsonl(tmp_path, capsys):
    # given
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"id": "pw", "title": "Reset your password", "body": "Use the link."}) + "\n"
    )
    (tmp_path / "q.jsonl").write_text(json.dumps({"query": "password", "article_id": "pw"}))

    # when
    code = main(
        [
            "--articles",
            str(tmp_path / "a.jsonl"),
            "--queries",
            str(tmp_path / "q.jsonl"),
            "--json",
            "--embedder",
            "hashing",
        ]
    )

    # then
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["hybrid"]["recall@1"], out["bm25"]["recall@1"]) == (1.0, 1.0)


@pytest.mark.skipif(not STACKFAQ.exists(), reason="shared/eval-data is not beside the repo")
def test_convert_stackfaq_real_file(tmp_path):
    articles, queries = convert_stackfaq(STACKFAQ)

    assert (len(articles), len(queries)) == (125, 1249)
    assert articles[0].id == "stackfaq-001"
    assert articles[0].title == "Strikethrough with GitHub Markdown"
    assert articles[0].body.startswith("Use ~~tildes around the words~~.\n\n")
    assert queries[0] == Query("How to make font strikethrough on github.", "stackfaq-001")
    assert all(q.query != "*" for q in queries)


@pytest.mark.skipif(not CLINC150.exists(), reason="shared/eval-data is not beside the repo")
def test_convert_clinc150_real_file_round_trips_through_cli(tmp_path):
    # when
    code = main(["convert", "clinc150", str(tmp_path)])
    articles = read_articles(tmp_path / "clinc150-articles.jsonl")
    queries = read_queries(tmp_path / "clinc150-queries.jsonl")

    # then
    assert code == 0
    assert (len(articles), len(queries)) == (150, 3100)
    assert sum(q.article_id is None for q in queries) == 100
    assert (articles, queries) == convert_clinc150(CLINC150)
    translate = next(a for a in articles if a.id == "translate")
    assert translate.title == "Translate"
    assert len(translate.body.split("\n\n")) == 100
    assert queries[0] == Query("in spanish, meet me tomorrow is said how", "translate")
