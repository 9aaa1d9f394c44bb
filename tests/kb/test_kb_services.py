import threading

import pytest
from django.db import connection

from kb import search_service
from kb import services as kb_services
from kb.models import Article, ArticleChunk, ArticleVote, SearchIndexState
from tests.factories import T0, UserFactory, customer, staff

pytestmark = pytest.mark.django_db

RESET_BODY = (
    "## Reset your password\n\nOpen Settings → Security and click **Reset password**. "
    "We email you a link valid for 30 minutes.\n\n## Error AUTH-403\n\n"
    "AUTH-403 means your SSO provider rejected the sign-in; ask your admin to re-sync SAML."
)
EXPORT_BODY = "Open a report and choose Export → CSV. Large exports arrive by email as a ZIP file."


def test_create_and_edit_write_numbered_revisions(editor):
    # given
    article = kb_services.article_create(editor=editor, title="Export to CSV", body="v1", now=T0)
    # when
    second = kb_services.article_update(
        article=article, editor=editor, title="Export to CSV", body="v2", note="typo", now=T0
    )
    unchanged = kb_services.article_update(
        article=article, editor=editor, title="Export to CSV", body="v2", note="", now=T0
    )
    # then
    assert (article.slug, article.status, article.body) == ("export-to-csv", "draft", "v2")
    assert second.number == 2 and second.note == "typo"
    assert unchanged is None
    assert list(article.revisions.values_list("number", "body")) == [(2, "v2"), (1, "v1")]


def test_restore_makes_a_new_revision_with_the_old_text(editor):
    article = kb_services.article_create(editor=editor, title="T", body="first")
    kb_services.article_update(article=article, editor=editor, title="T", body="second")
    restored = kb_services.article_revision_restore(
        article=article, revision=article.revisions.get(number=1), editor=editor
    )
    assert restored.number == 3 and restored.note == "Restored revision 1"
    assert article.body == "first"


def test_slugs_stay_unique(editor):
    a = kb_services.article_create(editor=editor, title="Same title", body="x")
    b = kb_services.article_create(editor=editor, title="Same title", body="y")
    assert (a.slug, b.slug) == ("same-title", "same-title-2")


def test_non_editors_cannot_write_articles():
    for user in (customer(), staff("agent")):
        with pytest.raises(kb_services.KbError):
            kb_services.article_create(editor=user, title="x", body="y")
    assert Article.objects.count() == 0


def test_publish_indexes_and_archive_removes_from_suggestions(publish, editor, run_index_tasks):
    # given
    reset = publish("Reset your password", RESET_BODY)
    publish("Export a report to CSV", EXPORT_BODY)
    # when
    found = search_service.suggest(query="how do I reset my password").suggestions
    # then
    assert found[0].article == reset
    assert ArticleChunk.objects.filter(article=reset).count() == 3
    assert SearchIndexState.objects.get().chunk_count == 5
    # when: archived, it is never suggested again
    with run_index_tasks() as delay:
        kb_services.article_transition(article=reset, action="archive", actor=editor)
    assert delay.call_count == 1
    assert ArticleChunk.objects.filter(article=reset).count() == 0
    titles = [
        s.article.title for s in search_service.suggest(query="reset my password").suggestions
    ]
    assert "Reset your password" not in titles


def test_error_codes_are_found_lexically(publish):
    reset = publish("Reset your password", RESET_BODY)
    publish("Export a report to CSV", EXPORT_BODY)
    hits = search_service.suggest(query="AUTH-403").suggestions
    assert [s.article for s in hits][:1] == [reset]
    assert "<mark>" in hits[0].snippet_html


def test_editing_a_published_article_reembeds_only_changed_chunks(publish, editor, run_index_tasks):
    # given
    reset = publish("Reset your password", RESET_BODY)
    before = dict(
        ArticleChunk.objects.filter(article=reset).values_list("position", "content_hash")
    )
    # when
    with run_index_tasks():
        kb_services.article_update(
            article=reset,
            editor=editor,
            title=reset.title,
            body=RESET_BODY.replace("30 minutes", "one hour"),
        )
    # then
    after = dict(ArticleChunk.objects.filter(article=reset).values_list("position", "content_hash"))
    assert before[0] == after[0] and before[2] == after[2]
    assert before[1] != after[1]
    assert search_service.index_article(article_id=reset.pk) == 0  # nothing left to embed


def test_search_falls_back_to_lexical_when_the_model_cannot_load(publish, settings, caplog):
    # given: an index built with vectors, then the model breaks
    reset = publish("Reset your password", RESET_BODY)
    settings.KB_EMBEDDER = "failing"
    # when
    result = search_service.suggest(query="reset password")
    # then
    assert result.mode == "lexical"
    assert [s.article for s in result.suggestions][:1] == [reset]
    assert "lexical" in caplog.text or "unavailable" in caplog.text


def test_reindex_without_a_model_still_answers_lexically(publish, settings):
    reset = publish("Reset your password", RESET_BODY)
    settings.KB_EMBEDDER = "failing"
    ArticleChunk.objects.all().delete()
    search_service.index_article(article_id=reset.pk)
    search_service.index_rebuild()
    assert ArticleChunk.objects.filter(vector__isnull=True).count() == 3
    assert [s.article for s in search_service.suggest(query="reset password").suggestions] == [
        reset
    ]


def test_one_vote_per_user_and_per_session(publish):
    article = publish("Reset your password", RESET_BODY)
    user = customer()
    assert kb_services.article_vote(article=article, user=user, helpful=True)
    assert not kb_services.article_vote(article=article, user=user, helpful=False)
    assert kb_services.article_vote(
        article=article, user=None, session_key="abc", helpful=False, reason="too short"
    )
    assert not kb_services.article_vote(article=article, user=None, session_key="abc", helpful=True)
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (1, 1)
    assert ArticleVote.objects.get(session_key="abc").reason == "too short"


@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_are_all_counted(kb_index):
    # given
    from tests.kb.conftest import make_editor

    article = kb_services.article_create(editor=make_editor(), title="T", body="B")
    voters = [UserFactory() for _ in range(8)]
    barrier = threading.Barrier(len(voters))
    results = []

    def vote(user):
        try:
            barrier.wait()
            results.append(kb_services.article_vote(article=article, user=user, helpful=True))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=vote, args=(u,)) for u in voters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then
    article.refresh_from_db()
    assert results == [True] * 8
    assert article.helpful_yes == 8
    assert ArticleVote.objects.count() == 8


def test_far_weaker_runners_up_are_not_suggested(publish, monkeypatch):
    # given: three published articles and a search that ranks them 0.9, 0.7, 0.3
    from kb.search import Hit, Searcher, SearchResult

    articles = [publish(f"Article {n}", f"Body {n}") for n in range(3)]
    hits = [
        Hit(article_id=str(a.pk), chunk_id=f"{a.pk}:0", score=score, snippet="s")
        for a, score in zip(articles, (0.9, 0.7, 0.3), strict=True)
    ]
    monkeypatch.setattr(
        Searcher,
        "search_detailed",
        lambda self, query, k=3: SearchResult(hits, [], {}, 0.95, False, "hybrid"),
    )
    # when
    suggested = search_service.suggest(query="anything").suggestions
    everything = search_service.article_search(query="anything")
    # then: 0.3 < 0.6 × 0.9 is dropped from the form's suggestions, kept in KB search
    assert [s.article for s in suggested] == articles[:2]
    assert [s.article for s in everything] == articles
