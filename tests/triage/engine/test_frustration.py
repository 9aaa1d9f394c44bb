import pytest

from triage.engine.frustration import consecutive_above, frustration_trend, score_frustration
from triage.engine.phrases import find_hits, is_negated
from triage.engine.types import Trend


@pytest.mark.parametrize(
    ("_case", "text", "low", "high"),
    [
        ("calm", "Hello, the export shows the wrong totals. Thanks for checking.", 0.0, 1.0),
        ("empty", "", 0.0, 0.0),
        ("furious", "This is the THIRD time I ask!!! Completely unacceptable, still broken.",
         7.1, 10.0),
        ("all caps shouting", "WHY IS THIS STILL NOT FIXED I AM SO FRUSTRATED!!!", 7.1, 10.0),
        ("german", "Zum dritten Mal: das ist inakzeptabel!!", 5.5, 5.5),
        ("french", "Troisième fois que je demande, c'est inacceptable !!", 5.5, 5.5),
        ("spanish", "Es la tercera vez que escribo, inaceptable!!", 5.5, 5.5),
        ("portuguese", "É a terceira vez que peço, inaceitável!!", 5.5, 5.5),
    ],
)  # fmt: skip
def test_frustration_scores(_case, text, low, high):
    assert low <= score_frustration(text) <= high


@pytest.mark.parametrize(
    ("_case", "scores", "trend"),
    [("single", [5.0], Trend.SINGLE), ("rising", [2.0, 6.0], Trend.RISING),
     ("falling", [8.0, 3.0], Trend.FALLING), ("stable", [4.0, 4.5], Trend.STABLE)],
)  # fmt: skip
def test_frustration_trend(_case, scores, trend):
    assert frustration_trend(scores) is trend


@pytest.mark.parametrize(
    ("_case", "scores", "expected"),
    [("two above", [3.0, 7.5, 8.0], True), ("not consecutive", [7.5, 2.0, 8.0], False),
     ("equal to threshold is not above", [7.0, 7.0], False)],
)  # fmt: skip
def test_consecutive_above(_case, scores, expected):
    assert consecutive_above(scores, 7.0, 2) is expected


@pytest.mark.parametrize(
    ("_case", "text", "phrase", "negated"),
    [
        ("en not", "the site is not down", "down", True),
        ("en plain", "the site is down", "down", False),
        ("other clause", "nothing changed on our side, but the site is down", "down", False),
        ("de", "der server ist nicht ausgefallen", "ausgefallen", True),
        ("fr", "il n'y a pas de perte de données", "perte", True),
        ("es", "no se perdieron datos", "perdieron", True),
        ("pt", "nenhum dado foi perdido", "perdido", True),
    ],
)
def test_negation_window(_case, text, phrase, negated):
    assert is_negated(text, text.index(phrase)) is negated


def test_find_hits_marks_negated_outage():
    hits = find_hits("the api is not down, no data was lost")

    assert [(h.kind, h.negated) for h in hits if h.kind in {"outage", "data_loss"}] == [
        ("outage", True),
        ("data_loss", True),
    ]
