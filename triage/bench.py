"""Triage benchmark: the engine against a keyword-only baseline on labelled cases, plus converters
from public data sets to the case format. Pure Python (no Django); the `triage_bench` management
command wraps `main`.

Case format, one JSON object a line::

    {"subject": str, "body": str, "tier": "Emergency" | "Urgent" | "Semi-urgent" | "Non-urgent"
     | "Informational" | null, "urgent": true | false | null, "claimed_call": bool,
     "account": {...}, "impact": {...}, "priority": "high" | "medium" | "low" (optional)}

Cases with a tier feed the per-tier metrics; cases with only `urgent` feed urgent recall and
precision (urgent = Emergency or Urgent); cases with `priority` feed the priority agreement.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from triage.engine.assess import assess_urgency
from triage.engine.policy import DEFAULT_POLICY, Policy
from triage.engine.semantic import Embedder
from triage.engine.types import Tier, TriageInput

TIERS = (Tier.EMERGENCY, Tier.URGENT, Tier.SEMI_URGENT, Tier.NON_URGENT, Tier.INFORMATIONAL)
#: The benchmark's fixed clock, so renewal dates in cases give the same answer on every run.
BENCH_NOW = datetime(2025, 12, 1, 12, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# cases


def load_cases(path: str | Path) -> list[dict[str, Any]]:
    rows = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def case_tier(case: Mapping[str, Any]) -> Tier | None:
    label = case.get("tier")
    return Tier.from_label(label) if label else None


def case_urgent(case: Mapping[str, Any]) -> bool | None:
    tier = case_tier(case)
    if tier is not None:
        return tier.rank >= 3
    value = case.get("urgent")
    return None if value is None else bool(value)


# ---------------------------------------------------------------------------------------------
# keyword-only baseline


_BASELINE_RULES: tuple[tuple[Tier, re.Pattern[str]], ...] = tuple(
    (tier, re.compile(pattern, re.IGNORECASE))
    for tier, pattern in (
        (Tier.EMERGENCY, r"\b(down|outage|breach|hacked|data loss|emergency|critical|urgent|asap|"
                         r"ausgefallen|dringend|panne|urgence|caído|urgente|fora do ar)\b"),
        (Tier.URGENT, r"\b(can'?t log ?in|cannot log ?in|locked out|broken|not working|error|"
                      r"fails?|failing|fehler|erreur|error|erro|no funciona|não funciona)\b"),
        (Tier.SEMI_URGENT, r"\b(slow|delay|sometimes|langsam|lent|lento)\b"),
        (Tier.INFORMATIONAL, r"\b(do you|feature|roadmap|would be great|fyi|status page|"
                             r"unterstützt|proposez|ofrecen|vocês)\b"),
    )
)  # fmt: skip


def keyword_baseline(subject: str, body: str) -> Tier:
    """The naive triage a keyword filter gives: the first matching rule wins, claims included
    ("urgent" counts as an emergency), otherwise Non-urgent."""
    text = f"{subject}\n{body}"
    for tier, pattern in _BASELINE_RULES:
        if pattern.search(text):
            return tier
    return Tier.NON_URGENT


# ---------------------------------------------------------------------------------------------
# metrics


def tier_metrics(gold: Sequence[Tier], pred: Sequence[Tier]) -> dict[str, Any]:
    """Per-tier precision/recall/F1, macro-F1 (over tiers present in gold), Emergency recall,
    under-triage (Emergency/Urgent assessed Non-urgent/Informational, over gold E+U),
    over-triage (Non-urgent/Informational assessed Emergency/Urgent, over gold N+I), any-step
    over-tiering (assessed above gold, over all), accuracy, escalation rate (share assessed E+U)
    and the confusion matrix (gold label -> predicted label -> count)."""
    n = len(gold)
    per_tier: dict[str, dict[str, float | int]] = {}
    f1s = []
    for tier in TIERS:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g is tier and p is tier)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g is not tier and p is tier)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g is tier and p is not tier)
        support = tp + fn
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_tier[tier.label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
        }
        if support:
            f1s.append(f1)
    high = [(g, p) for g, p in zip(gold, pred, strict=True) if g.rank >= 3]
    low = [(g, p) for g, p in zip(gold, pred, strict=True) if g.rank <= 1]
    confusion: dict[str, dict[str, int]] = {g.label: {p.label: 0 for p in TIERS} for g in TIERS}
    for g, p in zip(gold, pred, strict=True):
        confusion[g.label][p.label] += 1
    return {
        "n": n,
        "per_tier": per_tier,
        "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
        "accuracy": round(sum(g is p for g, p in zip(gold, pred, strict=True)) / n, 4)
        if n
        else 0.0,
        "emergency_recall": per_tier["Emergency"]["recall"],
        "under_triage_rate": _rate(sum(1 for _, p in high if p.rank <= 1), len(high)),
        "over_triage_rate": _rate(sum(1 for _, p in low if p.rank >= 3), len(low)),
        "over_tier_rate": _rate(
            sum(1 for g, p in zip(gold, pred, strict=True) if p.rank > g.rank), n
        ),
        "escalation_rate": _rate(sum(1 for p in pred if p.rank >= 3), n),
        "confusion": confusion,
    }


def urgent_metrics(gold: Sequence[bool], pred: Sequence[bool]) -> dict[str, Any]:
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g and p)
    fp = sum(1 for g, p in zip(gold, pred, strict=True) if not g and p)
    fn = sum(1 for g, p in zip(gold, pred, strict=True) if g and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "n": len(gold),
        "positives": tp + fn,
        "urgent_recall": round(recall, 4),
        "urgent_precision": round(precision, 4),
        "urgent_f1": round(f1, 4),
        "flagged_rate": _rate(tp + fp, len(gold)),
    }


_PRIORITY_OF_RANK = {4: "high", 3: "high", 2: "medium", 1: "low", 0: "low"}


def priority_metrics(gold: Sequence[str], pred: Sequence[Tier]) -> dict[str, Any]:
    """Agreement with a 3-level priority: Emergency/Urgent = high, Semi-urgent = medium,
    Non-urgent/Informational = low."""
    mapped = [_PRIORITY_OF_RANK[p.rank] for p in pred]
    levels = ("high", "medium", "low")
    confusion = {g: dict.fromkeys(levels, 0) for g in levels}
    for g, p in zip(gold, mapped, strict=True):
        if g in confusion:
            confusion[g][p] += 1
    agree = sum(1 for g, p in zip(gold, mapped, strict=True) if g == p)
    adjacent = sum(
        1 for g, p in zip(gold, mapped, strict=True)
        if g in levels and abs(levels.index(g) - levels.index(p)) <= 1
    )  # fmt: skip
    return {
        "n": len(gold),
        "agreement": _rate(agree, len(gold)),
        "within_one_level": _rate(adjacent, len(gold)),
        "confusion": confusion,
    }


def _rate(num: int, den: int) -> float:
    return round(num / den, 4) if den else 0.0


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


# ---------------------------------------------------------------------------------------------
# run


def run_benchmark(
    cases: Sequence[Mapping[str, Any]],
    *,
    policy: Policy = DEFAULT_POLICY,
    embedder: Embedder | None = None,
    now: datetime = BENCH_NOW,
    name: str = "cases",
) -> dict[str, Any]:
    """Runs the engine and the keyword baseline on the same cases. Returns a JSON-able dict."""
    if embedder is not None and cases:  # train the classifier outside the timed loop
        assess_urgency(request=TriageInput(subject="warm-up"), policy=policy, now=now,
                       embedder=embedder)  # fmt: skip
    systems: dict[str, Callable[[Mapping[str, Any]], Tier]] = {
        "engine": lambda c: (
            assess_urgency(
                request=TriageInput.from_dict(c), policy=policy, now=now, embedder=embedder
            ).tier
        ),
        "keyword_baseline": lambda c: keyword_baseline(
            str(c.get("subject") or ""), str(c.get("body") or "")
        ),
    }
    result: dict[str, Any] = {
        "name": name,
        "n_cases": len(cases),
        "policy_version": policy.version,
        "semantic": embedder is not None,
        "embedder": type(embedder).__name__ if embedder is not None else None,
        "systems": {},
    }
    for system, predict in systems.items():
        preds: list[Tier] = []
        latencies: list[float] = []
        for case in cases:
            start = time.perf_counter()
            preds.append(predict(case))
            latencies.append((time.perf_counter() - start) * 1000)
        result["systems"][system] = _score(cases, preds, latencies)
    return result


def _score(
    cases: Sequence[Mapping[str, Any]], preds: Sequence[Tier], latencies: Sequence[float]
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "latency_ms": {
            "p50": round(_percentile(latencies, 0.5), 3),
            "p95": round(_percentile(latencies, 0.95), 3),
            "max": round(max(latencies), 3) if latencies else 0.0,
        }
    }
    tiered = [(case_tier(c), p) for c, p in zip(cases, preds, strict=True) if case_tier(c)]
    if tiered:
        out["tiers"] = tier_metrics([g for g, _ in tiered], [p for _, p in tiered])  # type: ignore[misc]
    urgent = [
        (case_urgent(c), p.rank >= 3)
        for c, p in zip(cases, preds, strict=True)
        if case_urgent(c) is not None
    ]
    if urgent:
        out["urgent"] = urgent_metrics([bool(g) for g, _ in urgent], [p for _, p in urgent])
    prio = [(str(c["priority"]), p) for c, p in zip(cases, preds, strict=True) if c.get("priority")]
    if prio:
        out["priority"] = priority_metrics([g for g, _ in prio], [p for _, p in prio])
    return out


def format_table(result: Mapping[str, Any]) -> str:
    """Plain-text tables: engine and baseline side by side."""
    systems: Mapping[str, Any] = result["systems"]
    names = list(systems)
    semantic = f"on ({result.get('embedder')})" if result.get("semantic") else "off"
    lines = [
        f"== {result.get('name', 'cases')}: {result['n_cases']} cases, policy "
        f"{result['policy_version']}, semantic {semantic}"
    ]

    def row(label: str, values: Iterable[str]) -> str:
        return f"{label:<28}" + "".join(f"{v:>18}" for v in values)

    lines.append(row("metric", names))
    first = systems[names[0]]
    if "tiers" in first:
        for tier in TIERS:
            lines.append(row(
                f"{tier.label} P / R (n={first['tiers']['per_tier'][tier.label]['support']})",
                (f"{s['tiers']['per_tier'][tier.label]['precision']:.2f} / "
                 f"{s['tiers']['per_tier'][tier.label]['recall']:.2f}" for s in systems.values()),
            ))  # fmt: skip
        for key in ("macro_f1", "accuracy", "emergency_recall", "under_triage_rate",
                    "over_triage_rate", "over_tier_rate", "escalation_rate"):  # fmt: skip
            lines.append(row(key, (f"{s['tiers'][key]:.4f}" for s in systems.values())))
    if "urgent" in first:
        lines.append(
            row(
                "urgent positives / n",
                (f"{s['urgent']['positives']} / {s['urgent']['n']}" for s in systems.values()),
            )
        )
        for key in ("urgent_recall", "urgent_precision", "urgent_f1", "flagged_rate"):
            lines.append(row(key, (f"{s['urgent'][key]:.4f}" for s in systems.values())))
    if "priority" in first:
        for key in ("agreement", "within_one_level"):
            lines.append(
                row(f"priority {key}", (f"{s['priority'][key]:.4f}" for s in systems.values()))
            )
    lines.append(
        row(
            "latency p50 / p95 ms",
            (
                f"{s['latency_ms']['p50']:.2f} / {s['latency_ms']['p95']:.2f}"
                for s in systems.values()
            ),
        )
    )
    if "tiers" in first:
        lines.append("engine confusion (rows gold, columns assessed: E U S N I):")
        for gold, cols in first["tiers"]["confusion"].items():
            lines.append(f"  {gold:<14}" + "".join(f"{v:>5}" for v in cols.values()))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# converters


#: Banking77 intents we call urgent (our own mapping; Banking77 has no urgency label): the
#: customer's money or card is at risk right now.
BANKING77_URGENT = frozenset(
    {
        "lost_or_stolen_card",
        "compromised_card",
        "card_payment_not_recognised",
        "cash_withdrawal_not_recognised",
        "card_swallowed",
        "pin_blocked",
    }
)


def convert_banking77(path: str | Path) -> list[dict[str, Any]]:
    """Banking77 `train.csv` (columns text, category) -> cases with `urgent` only.

    Mapping (ours, not the data set's): urgent = true for the six intents lost_or_stolen_card,
    compromised_card, card_payment_not_recognised, cash_withdrawal_not_recognised,
    card_swallowed and pin_blocked; urgent = false for the other 71 intents. The subject is
    empty; `intent` keeps the source label.
    """
    with Path(path).open(encoding="utf-8", newline="") as fh:
        return [
            {
                "subject": "",
                "body": row["text"],
                "tier": None,
                "urgent": row["category"] in BANKING77_URGENT,
                "intent": row["category"],
            }
            for row in csv.DictReader(fh)
        ]


NLUPP_URGENT = frozenset({"lost_stolen", "handoff"})


def convert_nluplusplus(directory: str | Path) -> list[dict[str, Any]]:
    """NLU++ banking folds (`fold*.json`) -> cases with `urgent` only: urgent = true when the
    example's intents include `lost_stolen` or `handoff` (talk to a human); examples without
    intents (slot-only) are skipped."""
    cases = []
    for fold in sorted(Path(directory).glob("fold*.json")):
        for item in json.loads(fold.read_text(encoding="utf-8")):
            intents = item.get("intents") or []
            if not intents:
                continue
            cases.append(
                {
                    "subject": "",
                    "body": item["text"],
                    "tier": None,
                    "urgent": bool(NLUPP_URGENT.intersection(intents)),
                    "intents": intents,
                }
            )
    return cases


def convert_tobi_bueck(path: str | Path) -> list[dict[str, Any]]:
    """Tobi-Bueck synthetic tickets CSV -> cases with `priority` (high/medium/low) and `urgent`
    (priority == high). No tier: their 3 levels do not split into our 5 tiers, so agreement is
    measured on Emergency+Urgent = high, Semi-urgent = medium, Non-urgent+Informational = low.
    LLM-generated: report separately from the real-data benchmarks."""
    csv.field_size_limit(10_000_000)
    with Path(path).open(encoding="utf-8", newline="") as fh:
        cases = []
        for row in csv.DictReader(fh):
            priority = (row.get("priority") or "").strip().lower()
            if priority not in {"high", "medium", "low"}:
                continue
            cases.append(
                {
                    "subject": row.get("subject") or "",
                    "body": (row.get("body") or "").replace("\\n", "\n"),
                    "tier": None,
                    "urgent": priority == "high",
                    "priority": priority,
                    "lang": row.get("language") or None,
                }
            )
        return cases


# ---------------------------------------------------------------------------------------------
# CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m triage.bench", description=__doc__)
    parser.add_argument("--cases", help="case file (JSONL)")
    parser.add_argument("--banking77", help="banking77 train.csv")
    parser.add_argument("--nluplusplus", help="NLU++ banking folder")
    parser.add_argument("--tobi-bueck", help="Tobi-Bueck tickets CSV")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N cases")
    parser.add_argument("--split", help='only cases whose "split" equals this (dev, holdout)')
    parser.add_argument("--no-semantic", action="store_true", help="phrase rules only")
    parser.add_argument(
        "--embedder",
        choices=["minilm", "onnx", "onnx-int8"],
        default="minilm",
        help="semantic signal: torch (the portal's default) or the ONNX export (fp32 / int8)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    sets: list[tuple[str, list[dict[str, Any]]]] = []
    if args.cases:
        cases = load_cases(args.cases)
        if args.split:
            cases = [c for c in cases if c.get("split") == args.split]
        name = Path(args.cases).name + (f" [{args.split}]" if args.split else "")
        sets.append((name, cases))
    if args.banking77:
        sets.append(("banking77", convert_banking77(args.banking77)))
    if args.nluplusplus:
        sets.append(("nluplusplus-banking", convert_nluplusplus(args.nluplusplus)))
    if args.tobi_bueck:
        sets.append(
            (f"tobi-bueck {Path(args.tobi_bueck).name}", convert_tobi_bueck(args.tobi_bueck))
        )
    if not sets:
        parser.error("give --cases or a data set")

    embedder = None
    if not args.no_semantic and args.embedder.startswith("onnx"):
        from kb.search.onnx import default_onnx_dir, ensure_exported
        from triage.engine.embedding import OnnxMiniLmEmbedder

        ensure_exported(default_onnx_dir())
        precision = "int8" if args.embedder == "onnx-int8" else "fp32"
        embedder = OnnxMiniLmEmbedder(default_onnx_dir(), precision=precision)
    elif not args.no_semantic:
        from triage.engine.embedding import default_embedder

        embedder = default_embedder(num_threads=1)
    results = [
        run_benchmark(cases[: args.limit] if args.limit else cases, embedder=embedder, name=name)
        for name, cases in sets
    ]
    if args.json:
        print(json.dumps(results[0] if len(results) == 1 else results, indent=2))
    else:
        print("\n\n".join(format_table(r) for r in results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
