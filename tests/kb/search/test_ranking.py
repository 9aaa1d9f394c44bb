from __future__ import annotations

import logging

import numpy as np
import pytest

from kb.search import Calibration, FailingEmbedder, Gate, HashingEmbedder, Searcher
from kb.search.calibration import fit_gate
from kb.search.ranking import bm25_article_ranking, is_identifier


def test_hybrid_finds_the_error_code_that_dense_cannot_tell_apart(
    index, embedder, open_calibration
):
    # given two articles that differ only by error code and its cause
    query = "sync error E2071"
    vector = embedder.embed([query])[0]
    dense = index.per_article_max(index.vectors @ vector)
    e1042, e2071 = index.article_ids.index("e1042"), index.article_ids.index("e2071")
    assert dense[e1042] >= dense[e2071] - 0.05  # dense alone is no better than a coin toss

    # when
    hits = Searcher(index, embedder, open_calibration).search(query, k=2)

    # then
    assert [h.article_id for h in hits] == ["e2071", "e1042"]
    assert hits[0].chunk_id == "e2071:1"
    assert hits[0].snippet_html == (
        "When <mark>sync</mark> stops with <mark>error</mark> <mark>E2071</mark> the certificate "
        "expired. Renew the certificate."
    )


def test_snippet_html_escapes_article_text(embedder, open_calibration):
    from tests.kb.search.conftest import build

    index = build(embedder, [("x", "Scripts", 'Compare 1 < 2 & "quoted" scripts')])

    hit = Searcher(index, embedder, open_calibration).search("scripts", k=1)[0]

    assert hit.snippet_html == ("Compare 1 &lt; 2 &amp; &quot;quoted&quot; <mark>scripts</mark>")


def test_results_are_one_hit_per_article(index, embedder, open_calibration):
    hits = Searcher(index, embedder, open_calibration).search("sync connection error", k=5)

    assert sorted(h.article_id for h in hits) == ["e1042", "e2071", "invoice", "reset"]


def test_gate_below_threshold_suggests_nothing_and_reports_it(index, embedder):
    # given a gate that needs a dense cosine above 0.9
    gate = Gate(features=("dense",), mean=(0.9,), scale=(0.01,), coef=(1.0,), threshold=0.5)
    searcher = Searcher(index, embedder, Calibration(embedder=embedder.name, gate=gate))

    # when
    weak = searcher.search_detailed("how tall is mount everest")
    strong = searcher.search_detailed("Reset your password")

    # then
    assert (weak.hits, weak.suppressed, weak.mode) == ([], True, "hybrid")
    assert weak.confidence < 0.5
    assert len(weak.candidates) == 4
    assert [h.article_id for h in strong.hits][:1] == ["reset"]
    assert strong.suppressed is False


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("matching", "download invoice pdf", ["invoice"]),
        ("unrelated", "weather tomorrow in paris", []),
    ],
)
def test_calibrated_gate_on_hashing_embedder(_case, query, expected, index, embedder):
    # given a gate fitted on in-scope (1) vs out-of-scope (0) feature rows
    rows = [
        {"dense": 0.8, "coverage": 1.0},
        {"dense": 0.7, "coverage": 0.8},
        {"dense": 0.2, "coverage": 0.0},
        {"dense": 0.1, "coverage": 0.0},
    ]
    gate = fit_gate(rows, [1, 1, 0, 0], ("dense", "coverage"))
    searcher = Searcher(index, embedder, Calibration(embedder=embedder.name, gate=gate))

    assert [h.article_id for h in searcher.search(query, k=1)] == expected


def test_lexical_fallback_when_the_model_is_unavailable(index, caplog):
    # given an index built with the real model's name, and that model failing to load
    index.embedder_name = "all-MiniLM-L6-v2"
    searcher = Searcher(index, FailingEmbedder("all-MiniLM-L6-v2"), Calibration())

    # when
    with caplog.at_level(logging.WARNING, logger="kb.search.ranking"):
        result = searcher.search_detailed("error E1042", k=2)

    # then
    assert result.mode == "lexical"
    assert [h.article_id for h in result.hits] == ["e1042", "e2071"]
    assert [r.message for r in caplog.records] == [
        "embedding model unavailable, lexical search only: all-MiniLM-L6-v2 is not available"
    ]


def test_lexical_fallback_with_no_matching_term_suggests_nothing(index):
    index.embedder_name = "all-MiniLM-L6-v2"
    searcher = Searcher(index, FailingEmbedder("all-MiniLM-L6-v2"), Calibration())

    result = searcher.search_detailed("zzzz qqqq")

    assert (result.hits, result.mode, result.suppressed) == ([], "empty", False)


def test_mismatched_embedder_searches_lexically(index, caplog):
    searcher = Searcher(index, HashingEmbedder(name="another-model"), Calibration())

    with caplog.at_level(logging.ERROR, logger="kb.search.ranking"):
        result = searcher.search_detailed("invoice")

    assert (result.mode, [h.article_id for h in result.hits]) == ("lexical", ["invoice"])
    assert len(caplog.records) == 1


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [("empty", "", []), ("whitespace", "   ", [])],
)
def test_blank_query_suggests_nothing(_case, query, expected, index, embedder, open_calibration):
    assert Searcher(index, embedder, open_calibration).search(query) == expected


def test_bm25_baseline_ranks_only_articles_with_a_matching_term(index):
    assert bm25_article_ranking(index, "invoice billing", k=5) == ["invoice"]
    assert bm25_article_ranking(index, "nothing matches zzz", k=5) == []


@pytest.mark.parametrize(
    ("_case", "term", "expected"),
    [("code", "e1042", True), ("snake", "err_conn_reset", True), ("word", "sync", False)],
)
def test_is_identifier(_case, term, expected):
    assert is_identifier(term) is expected


def test_hashing_embedder_is_deterministic_and_normalized():
    embedder = HashingEmbedder(dim=64)

    vectors = embedder.embed(["Reset your password", "Reset your password", ""])

    assert vectors.shape == (3, 64)
    assert vectors.dtype == np.float32
    assert np.array_equal(vectors[0], vectors[1])
    assert round(float(np.linalg.norm(vectors[0])), 5) == 1.0
    assert float(np.linalg.norm(vectors[2])) == 0.0
