"""Fixtures for the pure triage engine: a fixed clock and a small deterministic embedder."""

import hashlib
import re
from datetime import UTC, datetime

import numpy as np
import pytest

NOW = datetime(2025, 12, 1, 12, 0, tzinfo=UTC)


class HashingEmbedder:
    """Bag of words hashed into 64 buckets: deterministic, fast, no model."""

    def __call__(self, text: str) -> np.ndarray:
        vec = np.zeros(64)
        for word in re.findall(r"\w+", text.lower()):
            vec[int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        return vec


@pytest.fixture(scope="session")
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def now() -> datetime:
    return NOW
