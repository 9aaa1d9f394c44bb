import pytest

from triage.engine.policy import DEFAULT_POLICY, SCHEMA_VERSION, Policy, PolicyError


def test_default_policy_carries_design_defaults():
    assert DEFAULT_POLICY.frustration_threshold == 7.0
    assert DEFAULT_POLICY.frustration_consecutive == 2
    assert DEFAULT_POLICY.high_value_acv == 100_000.0
    assert DEFAULT_POLICY.critical_with_production_is_emergency is True
    assert DEFAULT_POLICY.missing_info_blocks_call is True


def test_policy_round_trips_through_dict():
    policy = Policy(version="2025-12-01.3", high_value_acv=250_000.0, urgent_min=65)

    data = policy.to_dict()

    assert data["schema"] == SCHEMA_VERSION
    assert data["version"] == "2025-12-01.3"
    assert Policy.from_dict(data) == policy


def test_older_document_without_new_keys_takes_defaults():
    policy = Policy.from_dict({"schema": 1, "version": "v7", "high_value_acv": 50000})

    assert policy.version == "v7"
    assert policy.high_value_acv == 50_000.0
    assert policy.frustration_threshold == DEFAULT_POLICY.frustration_threshold


@pytest.mark.parametrize(
    ("_case", "data"),
    [
        ("newer schema", {"schema": SCHEMA_VERSION + 1}),
        ("unknown key", {"version": "x", "call_everyone": True}),
        ("bands out of order", {"urgent_min": 90}),
        ("bad number", {"urgent_min": "lots"}),
        ("semantic weight above 1", {"semantic_weight": 1.5}),
    ],
)
def test_invalid_policy_documents_are_rejected(_case, data):
    with pytest.raises(PolicyError):
        Policy.from_dict(data)


@pytest.mark.parametrize(
    ("_case", "score", "rank"),
    [("top", 100, 4), ("emergency floor", 80, 4), ("urgent", 62, 3), ("semi", 42, 2),
     ("non", 20, 1), ("info", 19.9, 0)],
)  # fmt: skip
def test_score_bands(_case, score, rank):
    assert DEFAULT_POLICY.band(score) == rank
