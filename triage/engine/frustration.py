"""Frustration 0-10 per customer message, from wording (en, de, fr, es, pt) and intensity
(capitals, "!!!", stretched letters, repeated words, "third time I ask"), and its trend."""

from __future__ import annotations

import re
from collections.abc import Sequence

from triage.engine.types import Trend

_LEXICON: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(p, re.IGNORECASE | re.UNICODE), w)
    for p, w in (
        # strong anger / contempt
        (
            r"\b(unacceptable|ridiculous|outrageous|disgrace(ful)?|furious|livid|pathetic|"
            r"useless|worst|joke|absurd|insane|shameful|incompetent|fed up|sick of|"
            r"inakzeptabel|unzumutbar|unverschämt|lächerlich|frechheit|katastrophe|"
            r"inacceptable|inadmissible|scandaleux|honteux|lamentable|ras le bol|marre|"
            r"inaceptable|vergonzoso|indignante|harto|harta|"
            r"inaceitável|absurdo|vergonha|ridículo|revoltante|cansad[oa] de)\b",
            2.5,
        ),
        # milder negative feeling
        (
            r"\b(frustrat\w*|annoy\w*|angry|upset|disappoint\w*|terrible|awful|horrible|"
            r"not happy|unhappy|desperate|wasting (our|my) time|"
            r"frustriert\w*|ärger\w*|enttäuscht|verärgert|schrecklich|"
            r"frustré\w*|énervé\w*|déçu\w*|agacé\w*|"
            r"frustrad[oa]s?|molest[oa]s?|decepcionad[oa]s?|enfadad[oa]s?|"
            r"chatead[oa]s?|decepcionad[oa]s?|irritad[oa]s?)\b",
            1.5,
        ),
        # repetition and waiting
        (
            r"\b((second|third|fourth|fifth|2nd|3rd|4th|5th|\d+th) time|again and again|"
            r"still (not|no|waiting|broken|nothing)|nobody (has )?(answered|replied|responded|"
            r"called)|no (one|response|reply|answer)|how many times|yet again|once again|"
            r"zum (zweiten|dritten|vierten|x-ten) mal|schon wieder|immer noch|keine antwort|"
            r"(deuxième|troisième|quatrième) fois|encore une fois|toujours pas|aucune réponse|"
            r"(segunda|tercera|cuarta) vez|otra vez|todavía no|sin respuesta|"
            r"(segunda|terceira|quarta) vez|de novo|ainda não|sem resposta)\b",
            2.0,
        ),
        # threats to leave or escalate
        (
            r"\b(cancel (our|the|my) (contract|subscription)|switch(ing)? to (a |another )?"
            r"(competitor|vendor|provider)|lawyer|legal action|escalate (this )?to (your )?"
            r"(ceo|management)|kündigen|kündigung|anwalt|résilier|avocat|"
            r"cancelar (el|o|nuestro|nosso) contrato|abogado|advogado)\b",
            2.5,
        ),
    )
)
_POLITE = re.compile(
    r"\b(thanks|thank you|appreciate|danke|vielen dank|merci|gracias|obrigad[oa])\b", re.I
)
_BANGS = re.compile(r"!{2,}|\?!|!\?")
_STRETCH = re.compile(r"([^\W\d_])\1{3,}", re.UNICODE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def score_frustration(text: str) -> float:
    """0-10. A calm report scores 0-2; clear anger with intensity scores above 7."""
    if not text:
        return 0.0
    sample = text[:4000]
    score = 0.0
    for pattern, weight in _LEXICON:
        score += weight * min(2, len(pattern.findall(sample)))
    letters = [c for c in sample if c.isalpha()]
    if len(letters) >= 12:
        caps = sum(1 for c in letters if c.isupper()) / len(letters)
        if caps > 0.6:
            score += 3.0
        elif caps > 0.3:
            score += 1.5
    score += min(2.5, 1.0 * len(_BANGS.findall(sample)))
    if _STRETCH.search(sample):
        score += 0.5
    words = [w.lower() for w in _WORD.findall(sample)]
    if any(len(a) > 2 and a == b for a, b in zip(words, words[1:], strict=False)):
        score += 1.0
    if _POLITE.search(sample):
        score -= 0.5
    return round(max(0.0, min(10.0, score)), 1)


def frustration_trend(scores: Sequence[float]) -> Trend:
    if len(scores) < 2:
        return Trend.SINGLE
    delta = scores[-1] - scores[-2]
    if delta > 1.0:
        return Trend.RISING
    if delta < -1.0:
        return Trend.FALLING
    return Trend.STABLE


def consecutive_above(scores: Sequence[float], threshold: float, run: int) -> bool:
    """True when `run` consecutive scores are all strictly above `threshold`."""
    streak = 0
    for s in scores:
        streak = streak + 1 if s > threshold else 0
        if streak >= run:
            return True
    return False
