"""The one test that loads the packaged all-MiniLM-L6-v2 (offline, ~3 s)."""

from __future__ import annotations

import numpy as np

from kb.search import (
    HybridIndex,
    Searcher,
    SentenceTransformerEmbedder,
    chunk_article,
    load_calibration,
)


def test_packaged_model_embeds_and_the_calibrated_search_answers_and_abstains():
    # given
    embedder = SentenceTransformerEmbedder(threads=1)
    articles = [
        ("pw", "Reset a forgotten password", "Use the Forgot password link on the sign-in page."),
        ("inv", "Download invoices", "Invoices are listed under Billing as monthly PDF files."),
        ("sso", "Configure single sign-on", "Connect your SAML identity provider in Settings."),
    ]
    chunks = [c for a in articles for c in chunk_article(*a)]
    vectors = embedder.embed([c.text for c in chunks])
    index = HybridIndex.build(chunks, vectors, embedder_name=embedder.name)
    searcher = Searcher(index, embedder, load_calibration(embedder.name))

    # when
    answered = searcher.search("I can't remember my password", k=3)
    abstained = searcher.search("what's the weather like in lisbon tomorrow", k=3)

    # then
    assert vectors.shape == (6, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert answered[0].article_id == "pw"
    assert abstained == []
