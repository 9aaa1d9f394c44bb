import pytest
from django.contrib.auth import get_user_model

from kb import services as kb_services
from portal.services import staff_groups_ensure
from tests.factories import UserFactory


@pytest.fixture
def kb_index(settings, tmp_path):
    """An isolated index directory and the deterministic embedder."""
    settings.KB_INDEX_DIR = tmp_path / "kb-index"
    settings.KB_EMBEDDER = "hashing"
    settings.KB_INDEX_CHECK_SECONDS = 0
    return settings.KB_INDEX_DIR


def make_editor(email=None, group="editor"):
    user = UserFactory(**({"email": email} if email else {}))
    user.groups.add(staff_groups_ensure()[group])
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def editor():
    return make_editor()


@pytest.fixture
def reviewer():
    return make_editor()


@pytest.fixture
def publish(kb_index, editor, reviewer, run_index_tasks):
    """Create and publish an article through the real workflow, running the index task."""

    def _publish(title, body, **fields):
        article = kb_services.article_create(editor=editor, title=title, body=body, **fields)
        kb_services.article_transition(article=article, action="submit", actor=editor)
        with run_index_tasks():
            kb_services.article_transition(article=article, action="approve", actor=reviewer)
        article.refresh_from_db()
        return article

    return _publish
