import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits (allauth) live in the cache; one test's failed logins must not lock out the
    next test's browser."""
    cache.clear()
    yield
    cache.clear()
