import json

import pytest

from triage import bench
from triage.engine.types import Tier

E, U, S, N, INFO = (
    Tier.EMERGENCY,
    Tier.URGENT,
    Tier.SEMI_URGENT,
    Tier.NON_URGENT,
    Tier.INFORMATIONAL,
)


def test_tier_metrics_on_a_hand_made_set():
    # given: 6 cases, one Urgent under-triaged to Non-urgent, one Non-urgent over-triaged
    gold = [E, E, U, U, N, INFO]
    pred = [E, E, U, N, U, INFO]

    # when
    m = bench.tier_metrics(gold, pred)

    # then
    assert m["per_tier"]["Emergency"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0,
                                          "support": 2}  # fmt: skip
    assert m["per_tier"]["Urgent"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert m["per_tier"]["Non-urgent"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0,
                                           "support": 1}  # fmt: skip
    assert m["per_tier"]["Semi-urgent"]["support"] == 0
    assert m["macro_f1"] == round((1.0 + 0.5 + 0.0 + 1.0) / 4, 4)
    assert m["emergency_recall"] == 1.0
    assert m["under_triage_rate"] == 0.25  # 1 of 4 Emergency/Urgent went to Non-urgent
    assert m["over_triage_rate"] == 0.5  # 1 of 2 Non-urgent/Informational went to Urgent
    assert m["over_tier_rate"] == round(1 / 6, 4)
    assert m["escalation_rate"] == round(4 / 6, 4)
    assert m["accuracy"] == round(4 / 6, 4)
    assert m["confusion"]["Urgent"]["Non-urgent"] == 1


def test_urgent_metrics():
    m = bench.urgent_metrics([True, True, False, False], [True, False, True, False])

    assert (m["urgent_recall"], m["urgent_precision"], m["positives"]) == (0.5, 0.5, 2)


def test_priority_metrics():
    m = bench.priority_metrics(["high", "medium", "low", "low"], [E, N, INFO, S])

    assert m["agreement"] == 0.5
    assert m["within_one_level"] == 1.0
    assert m["confusion"]["medium"]["low"] == 1


def test_keyword_baseline_obeys_claims():
    assert bench.keyword_baseline("URGENT", "how do I change my logo?") is Tier.EMERGENCY
    assert bench.keyword_baseline("", "the dashboard is slow") is Tier.SEMI_URGENT


def test_run_benchmark_reports_both_systems_and_formats(embedder):
    cases = [
        {"subject": "Down", "body": "Production is down for all users.", "tier": "Emergency"},
        {"subject": "Q", "body": "Do you support Okta single sign-on?", "tier": "Informational"},
        {"subject": "", "body": "I lost my card", "tier": None, "urgent": True},
    ]

    result = bench.run_benchmark(cases, embedder=embedder, name="tiny")
    table = bench.format_table(result)

    assert set(result["systems"]) == {"engine", "keyword_baseline"}
    assert result["systems"]["engine"]["tiers"]["n"] == 2
    assert result["systems"]["engine"]["urgent"]["n"] == 3
    assert "macro_f1" in table and "latency p50 / p95 ms" in table
    json.dumps(result)


def test_convert_banking77(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text(
        "text,category\n"
        "I lost my card,lost_or_stolen_card\n"
        "The ATM ate my card,card_swallowed\n"
        "How do I top up?,topping_up_by_card\n",
        encoding="utf-8",
    )

    cases = bench.convert_banking77(path)

    assert [c["urgent"] for c in cases] == [True, True, False]
    assert cases[0] == {"subject": "", "body": "I lost my card", "tier": None, "urgent": True,
                        "intent": "lost_or_stolen_card"}  # fmt: skip


def test_convert_nluplusplus(tmp_path):
    (tmp_path / "fold0.json").write_text(json.dumps([
        {"text": "my card was stolen", "intents": ["lost_stolen", "card"]},
        {"text": "let me talk to a person", "intents": ["handoff"]},
        {"text": "at 5pm", "slots": {}},
        {"text": "what is my balance", "intents": ["balance"]},
    ]), encoding="utf-8")  # fmt: skip

    cases = bench.convert_nluplusplus(tmp_path)

    assert [(c["body"], c["urgent"]) for c in cases] == [
        ("my card was stolen", True),
        ("let me talk to a person", True),
        ("what is my balance", False),
    ]


def test_convert_tobi_bueck(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "subject,body,answer,type,queue,priority,language\n"
        'Server down,"Our server is down.\\nPlease help.",ok,Incident,IT,high,en\n'
        "Frage,Wie geht das?,ok,Request,IT,low,de\n"
        "x,y,z,Request,IT,unknown,en\n",
        encoding="utf-8",
    )

    cases = bench.convert_tobi_bueck(path)

    assert [(c["priority"], c["urgent"], c["lang"]) for c in cases] == [
        ("high", True, "en"),
        ("low", False, "de"),
    ]
    assert cases[0]["body"] == "Our server is down.\nPlease help."


@pytest.mark.parametrize(("_case", "label", "tier"), [
    ("label", "Semi-urgent", S), ("value", "non_urgent", N), ("critical alias", "critical", E),
])  # fmt: skip
def test_tier_from_label(_case, label, tier):
    assert Tier.from_label(label) is tier
