"""Split a Markdown article into search chunks.

Every article yields one title chunk (the title alone: short queries match titles best) followed by
body chunks cut by heading and paragraph. Tiny paragraphs are merged with their neighbours inside
the same section, huge ones are split at sentence boundaries. Each body chunk's text starts with
the article title and the section heading, so a chunk is understandable on its own.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

MIN_CHUNK_CHARS = 200
MAX_CHUNK_CHARS = 1000

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True, slots=True)
class Chunk:
    """One searchable piece of an article.

    `text` is what gets embedded and indexed (title and heading included); `body` is the plain
    text the snippet is cut from. `chunk_id` is stable for a given article revision layout:
    `<article_id>:<ordinal>`.
    """

    article_id: str
    chunk_id: str
    ordinal: int
    kind: str  # "title" or "body"
    heading: str
    text: str
    body: str

    def content_hash(self, model_name: str) -> str:
        return content_hash(model_name, self.text)


def content_hash(model_name: str, text: str) -> str:
    """sha256 over the model name and the embedded text: a vector is reusable iff this matches."""
    digest = hashlib.sha256()
    digest.update(model_name.encode("utf-8"))
    digest.update(b"\x00")
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()


def markdown_to_plain(markdown: str) -> str:
    """Strip the Markdown syntax that would pollute embeddings, BM25 and snippets."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", markdown)  # images -> alt text
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links -> label
    text = re.sub(r"<[^>\n]+>", " ", text)  # inline HTML tags
    text = re.sub(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+", "", text, flags=re.MULTILINE)  # list markers
    text = re.sub(r"^\s{0,3}>\s?", "", text, flags=re.MULTILINE)  # block quotes
    text = re.sub(r"(\*\*|__|~~)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", r"\1", text)
    text = text.replace("`", "")
    text = re.sub(r"[ \t]+", " ", text)
    return text.strip()


def chunk_article(
    article_id: str,
    title: str,
    body_markdown: str,
    *,
    min_chars: int = MIN_CHUNK_CHARS,
    max_chars: int = MAX_CHUNK_CHARS,
) -> list[Chunk]:
    """Chunk one article: a title chunk, then body chunks in document order.

    Deterministic: the same input always yields the same chunks, ids and texts.
    """
    title = " ".join(title.split())
    chunks = [
        Chunk(
            article_id=article_id,
            chunk_id=f"{article_id}:0",
            ordinal=0,
            kind="title",
            heading="",
            text=title,
            body=title,
        )
    ]
    for heading, paragraphs in _sections(body_markdown):
        for piece in _pack(paragraphs, min_chars=min_chars, max_chars=max_chars):
            ordinal = len(chunks)
            prefix = title if not heading else f"{title}\n{heading}"
            chunks.append(
                Chunk(
                    article_id=article_id,
                    chunk_id=f"{article_id}:{ordinal}",
                    ordinal=ordinal,
                    kind="body",
                    heading=heading,
                    text=f"{prefix}\n{piece}",
                    body=piece,
                )
            )
    return chunks


def _sections(markdown: str) -> list[tuple[str, list[str]]]:
    """Group plain-text paragraphs under their nearest heading (fenced code stays one block)."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    block: list[str] = []
    in_fence = False

    def flush() -> None:
        if block:
            plain = markdown_to_plain("\n".join(block))
            if plain:
                sections[-1][1].append(plain)
            block.clear()

    for line in markdown.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            if not in_fence:
                flush()
            continue
        if in_fence:
            block.append(line)
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            sections.append((markdown_to_plain(heading.group(2)), []))
        elif not line.strip():
            flush()
        else:
            block.append(line)
    flush()
    return [(heading, paras) for heading, paras in sections if paras]


def _pack(paragraphs: list[str], *, min_chars: int, max_chars: int) -> list[str]:
    pieces: list[str] = []
    for paragraph in paragraphs:
        pieces.extend(_split_huge(paragraph, max_chars))
    packed: list[str] = []
    for piece in pieces:
        if (
            packed
            and (len(packed[-1]) < min_chars or len(piece) < min_chars // 4)
            and len(packed[-1]) + len(piece) + 1 <= max_chars
        ):
            packed[-1] = f"{packed[-1]}\n{piece}"
        else:
            packed.append(piece)
    return packed


def _split_huge(paragraph: str, max_chars: int) -> list[str]:
    if len(paragraph) <= max_chars:
        return [paragraph]
    out: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(paragraph):
        sentence = sentence.strip()
        if not sentence:
            continue
        for part in _hard_wrap(sentence, max_chars):
            if current and len(current) + len(part) + 1 > max_chars:
                out.append(current)
                current = part
            else:
                current = f"{current} {part}" if current else part
    if current:
        out.append(current)
    return out


def _hard_wrap(text: str, max_chars: int) -> list[str]:
    """Cut a sentence longer than max_chars at whitespace (or mid-word if it has none)."""
    parts: list[str] = []
    while len(text) > max_chars:
        cut = text.rfind(" ", 0, max_chars)
        if cut <= 0:
            cut = max_chars
        parts.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        parts.append(text)
    return parts
