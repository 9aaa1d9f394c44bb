"""The one test that loads the packaged all-MiniLM-L6-v2 model (a few seconds)."""

from triage.engine import DEFAULT_POLICY, Tier, TriageInput, assess_urgency


def test_real_embedder_classifies_a_quiet_outage_and_a_feature_wish(now):
    # given
    from triage.engine.embedding import default_embedder

    embedder = default_embedder(num_threads=1)

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
