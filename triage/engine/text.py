"""Text hygiene and language detection. Nothing here raises on odd input: empty, huge,
binary-looking or emoji-only text comes back cleaned, with a quality figure the engine turns
into lower confidence."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

LANGUAGES = ("en", "de", "fr", "es", "pt")
UNDETERMINED = "und"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_SPACE = re.compile(r"[ \t\u00a0]+")
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


@dataclass(frozen=True, slots=True)
class CleanText:
    text: str  # NFC, control characters removed, cut to the policy length
    truncated: bool
    words: int
    letter_ratio: float  # letters / non-space characters, 0 for empty text
    binary_like: bool

    @property
    def quality(self) -> float:
        """0..1: how much real prose there is to judge."""
        if not self.text.strip() or self.binary_like:
            return 0.1 if self.words < 3 else 0.3
        q = min(1.0, 0.35 + self.words / 25)
        if self.letter_ratio < 0.5:
            q *= 0.6
        return round(q, 3)


def clean(raw: object, *, max_chars: int) -> CleanText:
    """Normalises any value to analysable text. `max_chars` caps the work done on huge input."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    text = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
    truncated = len(text) > max_chars
    text = text[:max_chars]
    controls = len(_CONTROL.findall(text))
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text))
    text = _SPACE.sub(" ", text).strip()
    non_space = sum(1 for c in text if not c.isspace())
    letters = sum(1 for c in text if c.isalpha())
    letter_ratio = letters / non_space if non_space else 0.0
    words = len(_WORD.findall(text))
    binary_like = non_space > 0 and (controls / max(1, len(text)) > 0.05 or letter_ratio < 0.25)
    return CleanText(text, truncated, words, round(letter_ratio, 3), binary_like)


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    langs = [Language.ENGLISH, Language.GERMAN, Language.FRENCH, Language.SPANISH]
    langs.append(Language.PORTUGUESE)
    return LanguageDetectorBuilder.from_languages(*langs).build()


def detect_language(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, confidence 0..1) among en, de, fr, es, pt; ("und", 0.0) when the text has
    too few letters to tell. The detector is built on first use and cached."""
    sample = text[:600]
    if len(_WORD.findall(sample)) < 2:
        return UNDETERMINED, 0.0
    try:
        values = _detector().compute_language_confidence_values(sample)
    except Exception:  # lingua is native code: never let it break an assessment
        return UNDETERMINED, 0.0
    if not values:
        return UNDETERMINED, 0.0
    top = values[0]
    return top.language.iso_code_639_1.name.lower(), round(float(top.value), 3)
