"""Lexical helpers shared by BM25, the no-match decision and snippets."""

from __future__ import annotations

import html
import re

# Compound tokens ("err_conn_reset", "0x80070005", "v2.3-beta") are kept whole and also split
# into their parts, so both "ERR_CONN_RESET" and "conn reset" find the same chunk.
_TOKEN = re.compile(r"[a-z0-9]+(?:[._\-/][a-z0-9]+)*")
_PART = re.compile(r"[a-z0-9]+")
_TOKEN_ANY_CASE = re.compile(r"[A-Za-z0-9]+(?:[._\-/][A-Za-z0-9]+)*")

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "s",
        "t",
        "d",
        "ll",
        "m",
        "o",
        "re",
        "ve",
        "y",
        "im",
        "dont",
        "doesnt",
        "didnt",
        "cant",
        "wont",
        "isnt",
        "arent",
        "wasnt",
        "ive",
        "id",
        "youre",
        "get",
        "got",
        "please",
        "want",
        "need",
    ]
)


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens for BM25, without stopwords; compounds also yield their parts."""
    tokens: list[str] = []
    for match in _TOKEN.finditer(text.lower()):
        token = match.group(0)
        parts = _PART.findall(token)
        if len(parts) > 1:
            tokens.append(token)
        tokens.extend(p for p in parts if p not in STOPWORDS and (len(p) > 1 or p.isdigit()))
    return tokens


def query_terms(query: str) -> list[str]:
    """Distinct query tokens in first-seen order."""
    return list(dict.fromkeys(tokenize(query)))


def highlight_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Character spans of whole-word, case-insensitive occurrences of `terms` in `text`."""
    if not terms:
        return []
    wanted = set(terms)
    spans = []
    for match in _TOKEN_ANY_CASE.finditer(text):
        token = match.group(0).lower()
        if token in wanted:
            spans.append((match.start(), match.end()))
            continue
        if token.isalnum():  # no inner separator: no parts to look at
            continue
        for part in _PART.finditer(token):
            if part.group(0) in wanted:
                spans.append((match.start() + part.start(), match.start() + part.end()))
    return spans


def make_snippet(
    body: str, terms: list[str], *, width: int = 220
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A window of `body` around the densest cluster of query terms, and the spans to highlight.

    Returns plain text (not escaped) and spans relative to the returned snippet.
    """
    body = " ".join(body.split())
    spans = highlight_spans(body, terms)
    if len(body) <= width:
        return body, tuple(spans)
    start = 0
    if spans:
        # Start just before the span whose window holds the most matches.
        best = max(
            range(len(spans)),
            key=lambda i: sum(1 for s in spans if spans[i][0] <= s[0] < spans[i][0] + width),
        )
        start = max(0, spans[best][0] - 40)
        space = body.rfind(" ", 0, start)
        start = 0 if space < 0 or start == 0 else space + 1
    end = min(len(body), start + width)
    if end < len(body):
        space = body.rfind(" ", start, end)
        if space > start:
            end = space
    snippet = body[start:end]
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(body) else ""
    shift = len(prefix) - start
    inside = tuple((s + shift, e + shift) for s, e in spans if s >= start and e <= end)
    return f"{prefix}{snippet}{suffix}", inside


def snippet_to_html(snippet: str, spans: tuple[tuple[int, int], ...]) -> str:
    """Escape the snippet and wrap highlighted spans in <mark>: safe to render as-is."""
    out = []
    pos = 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(html.escape(snippet[pos:start]))
        out.append(f"<mark>{html.escape(snippet[start:end])}</mark>")
        pos = end
    out.append(html.escape(snippet[pos:]))
    return "".join(out)
