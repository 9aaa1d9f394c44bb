"""Account-security and fraud evidence: stolen or lost cards and keys, payments nobody made,
logins from abroad, a blocked PIN. They read as security, Urgent at least; Emergency still needs
the usual evidence (production impact, many users, a confirmed breach)."""

import pytest

from triage.engine import DEFAULT_POLICY, IssueType, Tier, TriageInput, assess_urgency
from triage.engine.phrases import find_hits


def _assess(body, now, embedder=None):
    return assess_urgency(
        request=TriageInput(subject="", body=body),
        policy=DEFAULT_POLICY,
        now=now,
        embedder=embedder,
    )


def _live_security(text):
    return [h for h in find_hits(text, kinds={"security"}) if not h.negated]


@pytest.mark.parametrize(
    ("_case", "body", "language"),
    [
        ("en unrecognised charges", "We don't recognise these charges on our company credit card.",
         "en"),
        ("en payments nobody made", "There are two payments on the card that I did not make.", "en"),
        ("en unauthorised transactions", "We see unauthorised transactions on our account.", "en"),
        ("en card stolen", "My corporate card was stolen yesterday, please block it.", "en"),
        ("en lost card", "I lost my company card on the way home.", "en"),
        ("en short and complete", "Card stolen!", "en"),
        ("en login from abroad", "There was a sign-in from an unknown country on our account.",
         "en"),
        ("en pin blocked", "I typed the wrong PIN three times and now my PIN is blocked.", "en"),
        ("en card kept by machine", "The ATM kept my card and did not return it.", "en"),
        ("en someone used the card", "Someone has used my card details to buy things online.",
         "en"),
        ("de gestohlen", "Meine Kreditkarte wurde gestohlen, bitte sperren Sie sie.", "de"),
        ("de unbekannte abbuchung", "Ich sehe eine Abbuchung, die ich nicht getätigt habe.", "de"),
        ("fr volée", "Ma carte bancaire a été volée hier soir.", "fr"),
        ("fr paiement inconnu", "Je ne reconnais pas ce paiement sur mon relevé.", "fr"),
        ("es robada", "Me robaron la tarjeta de la empresa en el metro.", "es"),
        ("es cargos", "Hay cargos no reconocidos en la cuenta de la empresa.", "es"),
        ("pt roubado", "Meu cartão foi roubado ontem à noite.", "pt"),
        ("pt compras", "Tem compras não reconhecidas no cartão da empresa.", "pt"),
    ],
)  # fmt: skip
def test_fraud_and_lost_credentials_read_as_urgent_security(_case, body, language, now, embedder):
    result = _assess(body, now, embedder)

    assert result.issue_type is IssueType.SECURITY
    assert result.tier.rank >= Tier.URGENT.rank
    assert result.signals["missing_info_gate"] is False
    assert len(_live_security(body)) >= 1
    assert all(h.lang == language for h in _live_security(body))


@pytest.mark.parametrize(
    ("_case", "body"),
    [
        ("card stolen", "My corporate card was stolen yesterday, please block it."),
        ("unrecognised payment", "I don't recognise a payment of 40 euros on our card."),
        ("pin blocked", "Our PIN is blocked after too many wrong PIN attempts."),
    ],
)
def test_one_stolen_card_is_urgent_not_an_emergency(_case, body, now, embedder):
    result = _assess(body, now, embedder)

    assert result.tier is Tier.URGENT
    assert result.signals["emergency_evidence"] is False


def test_fraud_in_production_for_many_users_is_an_emergency(now, embedder):
    body = "Hundreds of our customers report card payments they never made on our live store."

    result = _assess(body, now, embedder)

    assert result.tier is Tier.EMERGENCY
    assert result.issue_type is IssueType.SECURITY
    assert result.signals["emergency_evidence"] is True


@pytest.mark.parametrize(
    ("_case", "body"),
    [
        ("en no unauthorised charges",
         "No unauthorised charges, I just need a copy of the March invoice for our accounting."),
        ("en not stolen", "The card was not stolen, I just want to update the expiry date on file."),
        ("en not lost", "I have not lost my card, how do I change the billing address?"),
        ("en never fraudulent", "There were never any fraudulent payments, how do I export invoices?"),
        ("de nicht gestohlen", "Es gab keine unbekannte Abbuchung. Wie lade ich Rechnungen herunter?"),
        ("fr pas de fraude", "Il n'y a pas de fraude. Comment télécharger nos factures ?"),
        ("es sin cargos", "No hay cargos no reconocidos. ¿Cómo descargo las facturas?"),
        ("pt sem fraude", "Não houve fraude. Como baixo as faturas?"),
    ],
)  # fmt: skip
def test_negated_security_phrases_are_not_evidence(_case, body, now):
    # rules only: the test embedder hashes words, so its issue guess says nothing about phrases
    result = _assess(body, now)

    assert _live_security(body) == []
    assert result.issue_type is not IssueType.SECURITY
    assert result.tier.rank <= Tier.SEMI_URGENT.rank
    assert result.signals["emergency_evidence"] is False


@pytest.mark.parametrize(
    ("_case", "body"),
    [
        ("talk to a human", "Can I talk to a human please?"),
        ("real person", "I want to speak to a real person, not a bot."),
        ("fraud detection question", "Do you offer fraud detection for payments?"),
        ("card on file", "How do I change the card on file?"),
        ("pin a report", "Could we pin a report to the dashboard?"),
    ],
)
def test_requests_for_a_person_and_card_questions_are_not_security(_case, body, now):
    # "talk to a human" asks for a person: it is not evidence of anything (rules only, as above)
    result = _assess(body, now)

    assert _live_security(body) == []
    assert result.issue_type is not IssueType.SECURITY
    assert result.tier.rank <= Tier.SEMI_URGENT.rank
