from dataclasses import replace
from datetime import date

import pytest

from triage.engine import (
    DEFAULT_POLICY,
    AccountFacts,
    Action,
    ClaimedUrgency,
    CustomerMessage,
    Impact,
    IssueType,
    Policy,
    Tier,
    Trend,
    TriageInput,
    assess_urgency,
)


def _assess(request, now, embedder=None, policy=DEFAULT_POLICY):
    return assess_urgency(request=request, policy=policy, now=now, embedder=embedder)


# ---- policy rule: security breach, outage or data loss with production impact -> Emergency


@pytest.mark.parametrize(
    ("_case", "subject", "body", "impact", "issue"),
    [
        ("outage, production from the form", "API errors",
         "Every request to the API is returning 503 since 09:00.",
         Impact(production_affected=True), IssueType.OUTAGE),
        ("outage, production from the text", "Shop",
         "Our live storefront is down for all our customers since 14:00.",
         Impact(), IssueType.OUTAGE),
        ("security breach, no production field", "Admin account",
         "Our admin account was hacked and someone exported the customer list.",
         Impact(), IssueType.SECURITY),
        ("data loss in production", "Records",
         "All contact records in production were deleted by the nightly sync.",
         Impact(production_affected=True, users_affected=40), IssueType.DATA_LOSS),
    ],
)  # fmt: skip
def test_critical_issue_with_production_impact_is_emergency(
    _case, subject, body, impact, issue, now, embedder
):
    request = TriageInput(subject=subject, body=body, impact=impact)

    result = _assess(request, now, embedder)

    assert result.tier is Tier.EMERGENCY
    assert result.issue_type is issue
    assert result.action is Action.PAGE_ON_CALL
    assert result.signals["emergency_evidence"] is True


def test_calm_production_outage_is_emergency_without_the_word_urgent(now, embedder):
    # given
    request = TriageInput(
        subject="Quick note",
        body="Hello, our production workspace has been unreachable since 09:12 for all 40 of "
        "our agents. Thanks for looking into it when you can.",
    )

    # when
    result = _assess(request, now, embedder)

    # then
    assert result.tier is Tier.EMERGENCY
    assert result.signals["claim_words"] is False
    assert result.reasons[0] == "Production outage affecting 40 users"


def test_outage_in_staging_is_not_emergency(now, embedder):
    request = TriageInput(
        subject="Staging down",
        body="Our staging environment is down since this morning. Production is not affected.",
    )

    result = _assess(request, now, embedder)

    assert result.tier is Tier.SEMI_URGENT
    assert result.signals["emergency_evidence"] is False


# ---- claims are validated, not obeyed ----------------------------------------------------


def test_call_me_now_on_a_how_to_stays_non_urgent_and_says_why(now, embedder):
    # given
    request = TriageInput(
        subject="URGENT call me now",
        body="URGENT!!! Call me now. How do I change the logo on the customer portal?",
        claimed_urgency=ClaimedUrgency.CRITICAL,
        call_requested=True,
    )

    # when
    result = _assess(request, now, embedder)

    # then
    assert result.tier is Tier.NON_URGENT
    assert result.issue_type is IssueType.HOW_TO
    assert result.claim_accepted is False
    assert result.action is Action.ASYNC_REPLY
    assert result.reasons[-1] == (
        "You asked for a call, but this reads as a how-to question and nothing is reported "
        "down: we will answer in writing"
    )


def test_claimed_critical_on_a_real_emergency_is_accepted(now, embedder):
    request = TriageInput(
        subject="Down",
        body="Production is down for all users, every page returns 500.",
        claimed_urgency=ClaimedUrgency.CRITICAL,
        call_requested=True,
    )

    result = _assess(request, now, embedder)

    assert result.tier is Tier.EMERGENCY
    assert result.claim_accepted is True
    assert not any(r.startswith("You asked for a call") for r in result.reasons)


# ---- negation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "body"),
    [
        ("en not down", "The API is not down and everything works. How do cursors expire?"),
        ("en no data lost", "No data was lost. How can I restore a ticket from the trash?"),
        ("de nicht ausgefallen", "Das System ist nicht ausgefallen. Wie verlängere ich Sitzungen?"),
        ("fr pas de perte", "Il n'y a pas de perte de données. Comment restaurer un ticket ?"),
        ("es sin caída", "No hay ninguna caída. ¿Cómo cambio el orden de las columnas?"),
        ("pt sem perda", "Não houve perda de dados. Como recuperar um contato excluído?"),
    ],
)
def test_negated_emergency_phrases_are_not_evidence(_case, body, now, embedder):
    result = _assess(TriageInput(subject="Question", body=body), now, embedder)

    assert result.tier is Tier.NON_URGENT
    assert result.issue_type is IssueType.HOW_TO
    assert result.signals["emergency_evidence"] is False
    assert len(result.signals["negated_phrases"]) == 1


# ---- each language's phrases ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "body", "language", "issue"),
    [
        ("en", "The platform is down for all our customers in production.", "en",
         IssueType.OUTAGE),
        ("de", "Unser Produktivsystem ist komplett ausgefallen, alle Kunden sind betroffen.", "de",
         IssueType.OUTAGE),
        ("fr", "Notre plateforme est en panne en production pour tous nos clients.", "fr",
         IssueType.OUTAGE),
        ("es", "El sistema está caído en producción para todos los clientes.", "es",
         IssueType.OUTAGE),
        ("pt", "O sistema de produção está fora do ar para todos os clientes.", "pt",
         IssueType.OUTAGE),
        ("de security", "Wir haben einen unbefugten Zugriff auf unser Admin-Konto festgestellt.",
         "de", IssueType.SECURITY),
        ("fr data loss", "Toutes les commandes ont disparu, perte de données en production.",
         "fr", IssueType.DATA_LOSS),
    ],
)  # fmt: skip
def test_emergency_phrases_in_each_language(_case, body, language, issue, now, embedder):
    result = _assess(TriageInput(subject="", body=body), now, embedder)

    assert result.tier is Tier.EMERGENCY
    assert result.issue_type is issue
    assert result.language == language


@pytest.mark.parametrize(
    ("_case", "body", "issue"),
    [
        ("de access", "Die ganze Buchhaltung kann sich nicht anmelden.", IssueType.ACCESS),
        ("fr access", "Aucun conseiller ne peut se connecter, impossible de se connecter.",
         IssueType.ACCESS),
        ("es access", "No podemos iniciar sesión desde esta mañana.", IssueType.ACCESS),
        ("pt access", "Não conseguimos fazer login desde cedo.", IssueType.ACCESS),
        ("de how-to", "Wie kann ich Benutzergruppen anlegen?", IssueType.HOW_TO),
        ("es feature", "Sería genial poder programar informes.", IssueType.FEATURE_REQUEST),
    ],
)  # fmt: skip
def test_issue_type_phrases_in_each_language(_case, body, issue, now):
    result = _assess(TriageInput(body=body), now)

    assert result.issue_type is issue


# ---- frustration trend trigger ---------------------------------------------------------------


def test_frustration_above_seven_in_two_consecutive_messages_escalates(now, embedder):
    # given
    base = TriageInput(
        subject="Export wrong",
        body="The CSV export shows the wrong totals in the tax column.",
    )
    angry = replace(
        base,
        messages=(
            CustomerMessage(text="Still broken. This is the THIRD time I ask!!! Unacceptable."),
            CustomerMessage(text="", frustration=8.5),
        ),
    )

    # when
    calm_result = _assess(base, now, embedder)
    angry_result = _assess(angry, now, embedder)

    # then
    assert calm_result.tier is Tier.NON_URGENT
    assert angry_result.tier is Tier.SEMI_URGENT
    assert angry_result.signals["frustration_trigger"] is True
    assert angry_result.frustration == 8.5
    assert angry_result.frustration_trend is Trend.STABLE
    assert "frustration_trend" in angry_result.signals["adjustments"]
    assert "frustration_trend" not in calm_result.signals["adjustments"]


def test_one_angry_message_alone_does_not_trigger_the_trend_rule(now):
    request = TriageInput(
        subject="Export wrong",
        body="The CSV export shows the wrong totals in the tax column.",
        messages=(CustomerMessage(text="x", frustration=9.0), CustomerMessage(text="ok thanks")),
    )

    result = _assess(request, now)

    assert result.signals["frustration_trigger"] is False
    assert result.frustration_trend is Trend.FALLING


# ---- contract value trigger ----------------------------------------------------------------


def test_contract_value_above_threshold_raises_priority(now, embedder):
    # given
    request = TriageInput(
        subject="Reports slow",
        body="Reports take 20 seconds to load, we can still work with them.",
    )
    big = replace(request, account=AccountFacts(annual_contract_value=150_000))
    small = replace(request, account=AccountFacts(annual_contract_value=90_000))

    # when
    big_result = _assess(big, now, embedder)
    small_result = _assess(small, now, embedder)

    # then
    assert big_result.score - small_result.score == DEFAULT_POLICY.high_value_bonus
    assert big_result.signals["adjustments"] == ["high_value"]
    assert small_result.signals["adjustments"] == []
    assert "Account with an annual contract above $100,000" in big_result.reasons


def test_renewal_reason_names_the_days(now):
    request = TriageInput(
        subject="Outage",
        body="Production is down for all of our users.",
        account=AccountFacts(plan_tier="enterprise", renewal_date=date(2025, 12, 22)),
    )

    result = _assess(request, now)

    assert "Account renewing in 21 days" in result.reasons


# ---- missing information gate ----------------------------------------------------------------


def test_vague_call_request_gets_a_clarifying_question_not_a_call(now, embedder):
    # given
    request = TriageInput(subject="Help", body="Nothing works. Call me.", call_requested=True)

    # when
    result = _assess(request, now, embedder)

    # then
    assert result.tier is Tier.SEMI_URGENT
    assert result.action is Action.ASYNC_UPDATE
    assert result.signals["missing_info_gate"] is True
    assert result.missing_information[0] == (
        "What happened, and what you expected to happen instead"
    )
    assert result.claim_accepted is False


def test_missing_information_does_not_block_an_emergency(now, embedder):
    request = TriageInput(subject="Breach", body="We were hacked.", call_requested=True)

    result = _assess(request, now, embedder)

    assert result.tier is Tier.EMERGENCY
    assert result.signals["missing_info_gate"] is False


def test_gate_can_be_switched_off_by_policy(now):
    policy = Policy(version="no-gate", missing_info_blocks_call=False)
    request = TriageInput(subject="Help", body="Nothing works. Call me.", call_requested=True)

    result = _assess(request, now, policy=policy)

    assert result.tier is Tier.URGENT
    assert result.policy_version == "no-gate"


# ---- negative sentiment with high urgency --------------------------------------------------


def test_negative_sentiment_with_high_assessed_urgency_escalates(now):
    calm = TriageInput(
        subject="Dashboards slow",
        body="Dashboards load slowly since Tuesday but they do load in the end.",
    )
    angry = replace(
        calm,
        body="Dashboards load slowly since Tuesday but they do load in the end. This is "
        "ridiculous and unacceptable!!",
    )

    calm_result = _assess(calm, now)
    angry_result = _assess(angry, now)

    assert calm_result.tier is Tier.SEMI_URGENT
    assert angry_result.tier is Tier.URGENT
    assert angry_result.signals["adjustments"] == ["negative_sentiment"]


# ---- robustness ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "subject", "body"),
    [
        ("empty", "", ""),
        ("huge", "Export", "The export is broken. " * 50_000),
        ("binary", "\x00\x01\x02", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" * 200),
        ("emoji only", "🔥🔥🔥", "😡😡😡🚨🚨"),
        ("all caps", "HELP", "WHY IS NOTHING WORKING I NEED THIS FIXED NOW NOW NOW"),
        ("mixed language", "Problème", "Das System ist slow and la página no carga bien."),
        ("non-string", None, 12345),
    ],
)
def test_engine_never_raises_on_odd_text_and_lowers_confidence(_case, subject, body, now, embedder):
    normal = _assess(
        TriageInput(subject="Export broken", body="The CSV export fails with error 500 for our "
                    "finance team every time since this morning, no workaround."),
        now, embedder,
    )  # fmt: skip

    result = _assess(TriageInput(subject=subject, body=body), now, embedder)

    assert isinstance(result.tier, Tier)
    assert 0 <= result.score <= 100
    assert result.confidence < normal.confidence


def test_huge_text_is_truncated(now):
    result = _assess(TriageInput(subject="x", body="slow " * 10_000), now)

    assert result.signals["text_truncated"] is True


def test_a_failing_embedder_falls_back_to_rules(now):
    def broken(text):
        raise RuntimeError("model gone")

    result = _assess(TriageInput(body="Production is down for all users."), now, broken)

    assert result.tier is Tier.EMERGENCY
    assert result.signals["semantic"] is None


def test_assessment_serialises_to_json_dict(now, embedder):
    result = _assess(TriageInput(subject="Q", body="Do you support Okta SSO?"), now, embedder)

    data = result.to_dict()

    assert data["tier"] == "informational"
    assert data["tier_label"] == "Informational"
    assert data["action"] == "self_service"
    assert data["policy_version"] == DEFAULT_POLICY.version
    assert isinstance(data["reasons"], list)


def test_tier_labels():
    assert [t.label for t in Tier] == [
        "Emergency", "Urgent", "Semi-urgent", "Non-urgent", "Informational"
    ]  # fmt: skip
