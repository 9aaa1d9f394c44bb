"""The packaged all-MiniLM-L6-v2 model, through torch and through the int8 ONNX export."""

import pytest

from triage.engine import DEFAULT_POLICY, Tier, TriageInput, assess_urgency


@pytest.fixture(params=["torch", "fp32", "int8"])
def embedder(request):
    from triage.engine import embedding

    if request.param == "torch":
        return embedding.default_embedder(num_threads=1)
    directory = request.getfixturevalue("onnx_model_dir")
    return embedding.OnnxMiniLmEmbedder(directory, precision=request.param)


def test_real_embedder_classifies_a_quiet_outage_and_a_feature_wish(now, embedder):
    # given: the semantic classifier trains on the embedder it is given
    # when
    outage = assess_urgency(
        request=TriageInput(
            subject="Heads-up",
            body="Our production tenant has been unreachable for all customers since 09:00.",
        ),
        policy=DEFAULT_POLICY,
        now=now,
        embedder=embedder,
    )
    wish = assess_urgency(
        request=TriageInput(subject="Idea", body="It would be great to have a dark mode."),
        policy=DEFAULT_POLICY,
        now=now,
        embedder=embedder,
    )

    # then
    assert embedder("hello").shape == (384,)
    assert outage.tier is Tier.EMERGENCY
    assert outage.signals["semantic"]["tier"] == "emergency"
    assert wish.tier is Tier.INFORMATIONAL
    assert wish.signals["semantic"]["tier"] == "informational"
