from __future__ import annotations

import pytest

from kb.search import chunk_article, content_hash, markdown_to_plain


def test_title_chunk_first_then_one_chunk_per_section():
    # given
    body = "Intro paragraph that is long enough. " * 8 + "\n\n## Steps\n\n" + "Do this. " * 30

    # when
    chunks = chunk_article("7", "Export data", body)

    # then
    assert [(c.chunk_id, c.kind, c.heading) for c in chunks] == [
        ("7:0", "title", ""),
        ("7:1", "body", ""),
        ("7:2", "body", "Steps"),
    ]
    assert chunks[0].text == "Export data"
    assert chunks[2].text.startswith("Export data\nSteps\nDo this.")


def test_tiny_paragraphs_merge_within_a_section():
    chunks = chunk_article("1", "T", "One.\n\nTwo.\n\nThree.\n\n# Other\n\nFour.")

    assert [c.body for c in chunks[1:]] == ["One.\nTwo.\nThree.", "Four."]


def test_huge_paragraph_is_split_at_sentences_below_max():
    body = " ".join(f"Sentence number {i} says something useful." for i in range(100))

    chunks = chunk_article("1", "T", body, max_chars=300)

    assert len(chunks) == 16
    assert max(len(c.body) for c in chunks) <= 300
    assert " ".join(c.body for c in chunks[1:]) == body


def test_fenced_code_stays_one_block_and_headings_inside_are_not_headings():
    body = "```\n# not a heading\n\nstill code\n```\n"

    chunks = chunk_article("1", "T", body)

    assert [(c.heading, c.body) for c in chunks[1:]] == [("", "# not a heading\n\nstill code")]


@pytest.mark.parametrize(
    ("_case", "markdown", "plain"),
    [
        ("link", "See [the guide](https://x.test/a).", "See the guide."),
        ("emphasis", "**Bold** and *it* and `code`", "Bold and it and code"),
        ("list", "- one\n- two", "one\ntwo"),
        ("html", "a <b>b</b> c", "a b c"),
    ],
)
def test_markdown_to_plain(_case, markdown, plain):
    assert markdown_to_plain(markdown) == plain


def test_content_hash_is_stable_and_depends_on_model_and_text():
    chunk = chunk_article("1", "Title", "Body text.")[1]

    assert chunk.content_hash("m") == content_hash("m", "Title\nBody text.")
    assert chunk.content_hash("m") == chunk_article("1", "Title", "Body text.")[1].content_hash("m")
    assert chunk.content_hash("m") != chunk.content_hash("other-model")
    assert chunk.content_hash("m") != chunk_article("1", "Title", "Body text!")[1].content_hash("m")
    assert chunk.content_hash("all-MiniLM-L6-v2") == (
        "f9243c03d4869edcbe01b62da5346b0987aba20305f1225d9412372d2468028d"
    )
