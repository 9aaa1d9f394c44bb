"""Test settings: only faster and deterministic than production, never different behaviour."""

import os
from pathlib import Path

# The embedded broker of the test run lives apart from the dev server's, so that a worker
# started by the integration tests never sees a developer's queued tasks (and vice versa).
os.environ.setdefault(
    "CELERY_FILESYSTEM_BROKER_DIR", str(Path(__file__).resolve().parent.parent / "var/test-broker")
)

from portal.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Search tests use the small deterministic embedder unless a test asks for the real model.
KB_EMBEDDER = "hashing"
KB_INDEX_DIR = VAR_DIR / "test-kb-index"  # noqa: F405
KB_INDEX_CHECK_SECONDS = 0
TRIAGE_EMBEDDER = "none"
