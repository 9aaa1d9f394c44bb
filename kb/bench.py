"""Search benchmark harness and data-set converters (pure Python, no Django).

Articles: JSON lines `{"id": str, "title": str, "body": str}`.
Queries:  JSON lines `{"query": str, "article_id": str | null}` (null = out of scope: nothing
should be suggested).

    python -m kb.bench --articles A.jsonl --queries Q.jsonl [--json] [--embedder onnx|onnx-int8|minilm|hashing]
    python -m kb.bench convert stackfaq|clinc150 OUTDIR [--source PATH]
    python -m kb.bench calibrate [--source data_dev.json] [--out kb/search/calibration.json]

`run_bench` builds an isolated in-memory index (never the live one) and measures our hybrid search
and plain BM25 over the same articles in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from kb.search.calibration import Calibration, fit_gate, load_calibration, save_calibration
from kb.search.chunking import chunk_article
from kb.search.embedders import Embedder
from kb.search.index import HybridIndex
from kb.search.ranking import Searcher, bm25_article_ranking, gate_features, rank_candidates
from kb.search.text import query_terms

EVAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "eval-data"


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Query:
    query: str
    article_id: str | None


# -- converters ------------------------------------------------------------------------------


def convert_stackfaq(path: str | Path) -> tuple[list[Article], list[Query]]:
    """StackFAQ: each thread is an article (question as title, answers as body), each usable
    paraphrase a query for its thread. Placeholder paraphrases ("*", null, empty) are skipped."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    articles: list[Article] = []
    queries: list[Query] = []
    for number, thread in enumerate(data["root"]["qapair"], start=1):
        article_id = f"stackfaq-{number:03d}"
        answers = thread.get("answer") or []
        if isinstance(answers, str):
            answers = [answers]
        body = "\n\n".join(str(a).strip() for a in answers if a and str(a).strip())
        articles.append(Article(article_id, str(thread["question"]).strip(), body))
        paraphrases = thread.get("rephr") or []
        if isinstance(paraphrases, str):
            paraphrases = [paraphrases]
        for paraphrase in paraphrases:
            if paraphrase is None or not str(paraphrase).strip() or str(paraphrase).strip() == "*":
                continue
            queries.append(Query(str(paraphrase).strip(), article_id))
    return articles, queries


def convert_clinc150(
    path: str | Path, *, splits: Sequence[str] = ("val", "oos_val")
) -> tuple[list[Article], list[Query]]:
    """CLINC150: each in-scope intent is an article titled with the intent name, whose body lists
    its train utterances (one paragraph each); `splits` become queries, `oos` ones with article_id
    None. Use splits=("oos_train",) etc. for other query sets."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    utterances: dict[str, list[str]] = {}
    for text, intent in data["train"]:
        utterances.setdefault(intent, []).append(text)
    articles = [
        Article(intent, intent.replace("_", " ").capitalize(), "\n\n".join(texts))
        for intent, texts in utterances.items()
        if intent != "oos"
    ]
    queries = [
        Query(text, None if intent == "oos" else intent)
        for split in splits
        for text, intent in data[split]
    ]
    return articles, queries


def write_jsonl(path: str | Path, rows: Iterable[Any]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(_as_dict(row), ensure_ascii=False) + "\n")


def read_articles(path: str | Path) -> list[Article]:
    return [
        Article(str(d["id"]), str(d["title"]), str(d.get("body") or "")) for d in _read_jsonl(path)
    ]


def read_queries(path: str | Path) -> list[Query]:
    return [
        Query(str(d["query"]), None if d.get("article_id") is None else str(d["article_id"]))
        for d in _read_jsonl(path)
    ]


def _read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _as_dict(row: Any) -> dict[str, Any]:
    if isinstance(row, Article):
        return {"id": row.id, "title": row.title, "body": row.body}
    if isinstance(row, Query):
        return {"query": row.query, "article_id": row.article_id}
    return dict(row)


def padding_articles(count: int, source: str | Path | None = None) -> list[Article]:
    """`count` title-only distractor articles (one chunk each) from CLINC150 train utterances, to
    measure latency at a realistic index size. They are never a query's gold article."""
    data = json.loads(Path(source or EVAL_DATA / "clinc150" / "data_dev.json").read_text())
    texts = [text for text, _ in data["train"]][:count]
    return [Article(f"pad-{i:05d}", text, "") for i, text in enumerate(texts)]


# -- metrics ---------------------------------------------------------------------------------


def ranking_metrics(
    rankings: Sequence[Sequence[str]], golds: Sequence[str | None], latencies_ms: Sequence[float]
) -> dict[str, float | int]:
    """Metrics over what the user is shown: an empty ranking is "no suggestion".

    recall@k and MRR are over in-scope queries (gold not None), counting a suppressed query as a
    miss; `oos_no_suggestion` is the share of out-of-scope queries shown nothing;
    `in_scope_no_suggestion` the share of in-scope queries shown nothing.
    """
    in_scope = [(r, g) for r, g in zip(rankings, golds, strict=True) if g is not None]
    out_scope = [r for r, g in zip(rankings, golds, strict=True) if g is None]

    def recall(k: int) -> float:
        return _share(sum(1 for r, g in in_scope if g in list(r)[:k]), len(in_scope))

    reciprocal = [1.0 / (list(r).index(g) + 1) if g in r else 0.0 for r, g in in_scope]
    lat = np.asarray(latencies_ms, dtype=np.float64)
    return {
        "queries": len(golds),
        "in_scope": len(in_scope),
        "out_of_scope": len(out_scope),
        "recall@1": recall(1),
        "recall@3": recall(3),
        "recall@5": recall(5),
        "mrr": _share(sum(reciprocal), len(in_scope)),
        "oos_no_suggestion": _share(sum(1 for r in out_scope if not r), len(out_scope)),
        "in_scope_no_suggestion": _share(sum(1 for r, _ in in_scope if not r), len(in_scope)),
        "latency_p50_ms": round(float(np.percentile(lat, 50)), 3) if len(lat) else 0.0,
        "latency_p95_ms": round(float(np.percentile(lat, 95)), 3) if len(lat) else 0.0,
    }


def _share(numerator: float, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


# -- the run ---------------------------------------------------------------------------------


def build_index(
    articles: Sequence[Article], embedder: Embedder, *, batch_size: int = 256
) -> HybridIndex:
    chunks = [c for a in articles for c in chunk_article(a.id, a.title, a.body)]
    texts = [c.text for c in chunks]
    parts = [embedder.embed(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
    vectors = np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
    return HybridIndex.build(chunks, vectors, embedder_name=embedder.name)


def run_bench(
    articles: Sequence[Article],
    queries: Sequence[Query],
    embedder: Embedder,
    *,
    k: int = 5,
    calibration: Calibration | None = None,
) -> dict[str, Any]:
    """Build an isolated index over `articles` and score our search and plain BM25 on `queries`.

    Latency is per query, wall clock, including the query embedding (our search) or tokenizing
    (BM25); the model is warmed up before timing.
    """
    started = time.perf_counter()
    index = build_index(articles, embedder)
    build_seconds = time.perf_counter() - started
    searcher = Searcher(index, embedder, calibration or load_calibration(embedder.name))
    searcher.search("warm up the model", k=k)

    golds = [q.article_id for q in queries]
    ours: list[list[str]] = []
    ours_ms: list[float] = []
    lexical: list[list[str]] = []
    lexical_ms: list[float] = []
    for q in queries:
        t0 = time.perf_counter()
        hits = searcher.search(q.query, k=k)
        ours_ms.append((time.perf_counter() - t0) * 1000)
        ours.append([h.article_id for h in hits])
        t0 = time.perf_counter()
        ranked = bm25_article_ranking(index, q.query, k=k)
        lexical_ms.append((time.perf_counter() - t0) * 1000)
        lexical.append(ranked)
    return {
        "articles": len(articles),
        "chunks": len(index),
        "queries": len(queries),
        "embedder": embedder.name,
        "build_seconds": round(build_seconds, 2),
        "hybrid": ranking_metrics(ours, golds, ours_ms),
        "bm25": ranking_metrics(lexical, golds, lexical_ms),
    }


DENSE_GATE_FEATURES = ("dense", "top_mean3", "coverage", "agree")
LEXICAL_GATE_FEATURES = ("coverage", "bm25_margin", "terms")


def calibrate(
    articles: Sequence[Article],
    queries: Sequence[Query],
    embedder: Embedder,
    *,
    base: Calibration | None = None,
    oos_rejection: float = 0.90,
    lexical_oos_rejection: float = 0.60,
) -> Calibration:
    """Fit the no-match gates on labelled queries (in scope = 1, out of scope = 0).

    The fusion weights come from `base`; each gate's threshold is the quantile of the
    out-of-scope probabilities that rejects `oos_rejection` of them. Meant for CLINC150
    val + oos_val; report results on other data.
    """
    base = base or Calibration(embedder=embedder.name)
    index = build_index(articles, embedder)
    vectors = embedder.embed([q.query for q in queries])
    dense_rows: list[dict[str, float]] = []
    lexical_rows: list[dict[str, float]] = []
    labels: list[int] = []
    for q, vector in zip(queries, vectors, strict=True):
        terms = query_terms(q.query)
        labels.append(0 if q.article_id is None else 1)
        candidates = rank_candidates(index, terms, vector, base)
        dense_rows.append(gate_features(index, terms, candidates, vector))
        lexical = rank_candidates(index, terms, None, base)
        lexical_rows.append(
            gate_features(index, terms, lexical, None) if lexical else {"coverage": 0.0}
        )
    gates = []
    for rows, features, target in (
        (dense_rows, DENSE_GATE_FEATURES, oos_rejection),
        (lexical_rows, LEXICAL_GATE_FEATURES, lexical_oos_rejection),
    ):
        gate = fit_gate(rows, labels, features)
        oos = [gate.probability(r) for r, y in zip(rows, labels, strict=True) if y == 0]
        threshold = round(float(np.quantile(oos, target)), 6) if oos else 0.5
        gates.append(replace(gate, threshold=threshold))
    return replace(
        base,
        embedder=embedder.name,
        gate=gates[0],
        lexical_gate=gates[1],
        notes={
            "fitted_on": f"{len(articles)} articles, {len(queries)} queries "
            f"({labels.count(0)} out of scope)",
            "oos_rejection_target": oos_rejection,
            "lexical_oos_rejection_target": lexical_oos_rejection,
        },
    )


_ROWS = [
    ("recall@1", "recall@1"),
    ("recall@3", "recall@3"),
    ("recall@5", "recall@5"),
    ("MRR", "mrr"),
    ("out-of-scope with no suggestion", "oos_no_suggestion"),
    ("in-scope with no suggestion", "in_scope_no_suggestion"),
    ("latency p50 (ms)", "latency_p50_ms"),
    ("latency p95 (ms)", "latency_p95_ms"),
]


def format_table(result: dict[str, Any]) -> str:
    """A Markdown table: one row per metric, our hybrid search vs plain BM25."""
    hybrid, bm25 = result["hybrid"], result["bm25"]
    lines = [
        f"{result['articles']} articles, {result['chunks']} chunks, {result['queries']} queries "
        f"({hybrid['in_scope']} in scope, {hybrid['out_of_scope']} out of scope), "
        f"embedder {result['embedder']}",
        "",
        "| metric | hybrid (ours) | BM25 |",
        "|---|---:|---:|",
    ]
    for label, key in _ROWS:
        if key == "oos_no_suggestion" and not hybrid["out_of_scope"]:
            continue
        lines.append(f"| {label} | {_fmt(hybrid[key])} | {_fmt(bm25[key])} |")
    return "\n".join(lines)


def _fmt(value: float | int) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


# -- CLI -------------------------------------------------------------------------------------


EMBEDDERS = ["onnx", "onnx-int8", "minilm", "hashing"]  # as settings.KB_EMBEDDER


def make_embedder(kind: str, *, threads: int = 1) -> Embedder:
    from kb.search.embedders import HashingEmbedder, SentenceTransformerEmbedder

    if kind == "hashing":
        return HashingEmbedder()
    if kind in ("onnx", "onnx-int8"):
        from kb.search.onnx import OnnxEmbedder, default_onnx_dir, ensure_exported

        if ensure_exported(default_onnx_dir()):
            print(f"exported the model to ONNX in {default_onnx_dir()}", file=sys.stderr)
        precision = "int8" if kind == "onnx-int8" else "fp32"
        return OnnxEmbedder(precision=precision, threads=threads)
    return SentenceTransformerEmbedder(threads=threads)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["convert"]:
        parser = argparse.ArgumentParser(prog="python -m kb.bench convert")
        parser.add_argument("dataset", choices=["stackfaq", "clinc150"])
        parser.add_argument("outdir")
        parser.add_argument("--source", help="data file (default: shared/eval-data)")
        args = parser.parse_args(argv[1:])
        if args.dataset == "stackfaq":
            source = args.source or EVAL_DATA / "stackfaq" / "stackExchange-FAQ.json"
            articles, queries = convert_stackfaq(source)
        else:
            source = args.source or EVAL_DATA / "clinc150" / "data_dev.json"
            articles, queries = convert_clinc150(source)
        out = Path(args.outdir)
        out.mkdir(parents=True, exist_ok=True)
        write_jsonl(out / f"{args.dataset}-articles.jsonl", articles)
        write_jsonl(out / f"{args.dataset}-queries.jsonl", queries)
        print(f"{len(articles)} articles, {len(queries)} queries -> {out}")
        return 0
    if argv[:1] == ["calibrate"]:
        parser = argparse.ArgumentParser(prog="python -m kb.bench calibrate")
        parser.add_argument("--source", default=str(EVAL_DATA / "clinc150" / "data_dev.json"))
        parser.add_argument("--out", default=None, help="default: kb/search/calibration.json")
        parser.add_argument("--embedder", choices=EMBEDDERS, default="onnx")
        args = parser.parse_args(argv[1:])
        articles, queries = convert_clinc150(args.source)
        calibration = calibrate(articles, queries, make_embedder(args.embedder))
        save_calibration(calibration, args.out)
        print(json.dumps(calibration.to_json(), indent=1))
        return 0

    parser = argparse.ArgumentParser(prog="python -m kb.bench")
    parser.add_argument("--articles", required=True)
    parser.add_argument("--queries", required=True)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--embedder", choices=EMBEDDERS, default="onnx")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument(
        "--pad-to", type=int, default=0, help="add distractor articles up to N chunks (latency)"
    )
    args = parser.parse_args(argv)
    articles = read_articles(args.articles)
    if args.pad_to:
        chunks = sum(len(chunk_article(a.id, a.title, a.body)) for a in articles)
        articles += padding_articles(max(0, args.pad_to - chunks))
    result = run_bench(
        articles,
        read_queries(args.queries),
        make_embedder(args.embedder, threads=args.threads),
        k=args.k,
    )
    print(json.dumps(result, indent=1) if args.json else format_table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
