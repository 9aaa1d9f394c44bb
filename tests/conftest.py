from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.cache import cache

from kb.tasks import kb_index_article


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits (allauth) live in the cache; one test's failed logins must not lock out the
    next test's browser."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def run_index_tasks(django_capture_on_commit_callbacks):
    """Index tasks enqueued after commit run in-process (the broker is the boundary)."""

    @contextmanager
    def _run():
        with (
            run_inline(kb_index_article) as delay,
            django_capture_on_commit_callbacks(execute=True),
        ):
            yield delay

    return _run


@contextmanager
def run_inline(task):
    """Run ``task`` in-process when it is enqueued (the broker is the boundary we mock)."""
    with mock.patch.object(
        task, "apply_async", side_effect=lambda args=(), **_: task(*args)
    ) as apply_async:
        yield apply_async


@pytest.fixture(scope="session")
def onnx_model_dir(tmp_path_factory):
    """The packaged model exported to int8 ONNX once per test run (~10 s, real torch export)."""
    from kb.search.onnx import ensure_exported

    directory = tmp_path_factory.mktemp("onnx") / "onnx-minilm"
    assert ensure_exported(directory) is True
    return directory
