"""Shared fixtures: a small KB indexed with the deterministic HashingEmbedder."""

from __future__ import annotations

import pytest

from kb.search import Calibration, HashingEmbedder, HybridIndex, chunk_article

ARTICLES = [
    ("reset", "Reset your password", "Open the sign-in page and choose *Forgot password*."),
    (
        "e1042",
        "Sync fails with a connection error",
        "When sync stops with error E1042 the proxy blocks the connection. Allow the host.",
    ),
    (
        "e2071",
        "Sync fails with a connection error",
        "When sync stops with error E2071 the certificate expired. Renew the certificate.",
    ),
    ("invoice", "Download an invoice", "Invoices are under Billing, one PDF per month."),
]


def build(embedder: HashingEmbedder, articles: list[tuple[str, str, str]]) -> HybridIndex:
    chunks = [c for a in articles for c in chunk_article(*a)]
    vectors = embedder.embed([c.text for c in chunks])
    return HybridIndex.build(chunks, vectors, embedder_name=embedder.name)


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def index(embedder: HashingEmbedder) -> HybridIndex:
    return build(embedder, ARTICLES)


@pytest.fixture
def open_calibration(embedder: HashingEmbedder) -> Calibration:
    """Fusion defaults, a gate that accepts everything."""
    return Calibration(embedder=embedder.name)
