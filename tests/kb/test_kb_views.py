import pytest
from django.urls import reverse

from kb import services as kb_services
from kb.models import Article, Deflection, RequestArticle, SuggestionLog
from portal.models import SupportRequest
from tests.factories import customer, staff
from tests.kb.test_kb_services import EXPORT_BODY, RESET_BODY

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("kb_editor_list", []),
        ("kb_editor_new", []),
        ("kb_editor_gaps", []),
        ("kb_editor_article", [1]),
        ("kb_editor_revisions", [1]),
    ],
)
def test_editor_pages_refuse_customers_and_agents(client, editor, name, args):
    kb_services.article_create(editor=editor, title="T", body="B")
    for user in (customer(), staff("agent")):
        client.force_login(user)
        assert client.get(reverse(name, args=args)).status_code == 403


def test_editor_writes_previews_and_publishes_with_a_second_editor(
    client, editor, reviewer, kb_index
):
    # given
    client.force_login(editor)
    # when
    response = client.post(
        reverse("kb_editor_new"),
        {
            "title": "Reset your password",
            "body": RESET_BODY,
            "product_area": "account",
            "language": "en",
            "tags": "Login, password,login",
        },
    )
    article = Article.objects.get()
    preview = client.post(
        reverse("kb_editor_preview"),
        {"body": "**bold** <script>x()</script>"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    client.post(reverse("kb_editor_transition", args=[article.pk]), {"action": "submit"})
    refused = client.post(
        reverse("kb_editor_transition", args=[article.pk]), {"action": "approve"}, follow=True
    ).content.decode()
    client.force_login(reviewer)
    client.post(reverse("kb_editor_transition", args=[article.pk]), {"action": "approve"})
    # then
    assert response.status_code == 302
    assert article.tags == ["login", "password"]
    assert preview.startswith('<div id="preview"') and "<strong>bold</strong>" in preview
    assert "<script" not in preview
    assert "second editor or a manager" in refused
    article.refresh_from_db()
    assert article.status == "published" and article.published_at is not None


def test_blank_article_is_refused_and_keeps_the_text(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("kb_editor_new"),
        {"title": "  ", "body": "Keep me", "product_area": "general", "language": "en"},
    )
    assert response.status_code == 400
    assert "cannot be empty" in response.content.decode()
    assert "Keep me" in response.content.decode()
    assert Article.objects.count() == 0


def test_revision_diff_and_restore(client, editor):
    article = kb_services.article_create(editor=editor, title="T", body="line one\nline two")
    kb_services.article_update(article=article, editor=editor, title="T", body="line one\nline 2")
    client.force_login(editor)
    page = client.get(reverse("kb_editor_revisions", args=[article.pk]), {"a": 1, "b": 2})
    diff = page.context["diff"]
    assert ("-", "line two") in diff and ("+", "line 2") in diff and (" ", "line one") in diff
    client.post(reverse("kb_editor_restore", args=[article.pk, 1]))
    article.refresh_from_db()
    assert article.body == "line one\nline two"
    assert article.revisions.count() == 3


def test_editor_list_filters_with_htmx(client, editor):
    kb_services.article_create(editor=editor, title="Reset password", body="x")
    kb_services.article_create(
        editor=editor, title="Export CSV", body="y", product_area="reporting"
    )
    client.force_login(editor)
    response = client.get(reverse("kb_editor_list"), {"q": "csv"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="article-list"')
    assert "Export CSV" in page and "Reset password" not in page


def test_public_article_is_sanitized_and_takes_one_vote(client, publish):
    article = publish("Bad markup", "Hello <img src=x onerror=alert(1)> [x](javascript:alert(1))")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "onerror" not in page and "javascript:" not in page
    url = reverse("kb_article_vote", args=[article.slug])
    first = client.post(url, {"helpful": "no", "reason": "Missing steps"}, HTTP_HX_REQUEST="true")
    second = client.post(url, {"helpful": "yes"}, HTTP_HX_REQUEST="true")
    assert "Thanks for telling us" in first.content.decode()
    assert "already voted" in second.content.decode()
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (0, 1)


def test_drafts_and_archived_articles_are_not_public(client, editor, publish):
    draft = kb_services.article_create(editor=editor, title="Secret draft", body="x")
    assert client.get(reverse("kb_article", args=[draft.slug])).status_code == 404
    live = publish("Export a report to CSV", EXPORT_BODY)
    kb_services.article_transition(article=live, action="archive", actor=editor)
    assert client.get(reverse("kb_article", args=[live.slug])).status_code == 404


def test_kb_home_searches(client, publish):
    publish("Reset your password", RESET_BODY)
    page = client.get(reverse("kb_home"), {"q": "reset password"}).content.decode()
    assert "Reset your password" in page and "<mark>" in page


def test_suggestions_while_typing_then_deflection(client, publish):
    # given
    reset = publish("Reset your password", RESET_BODY)
    publish("Export a report to CSV", EXPORT_BODY)
    requester = customer()
    client.force_login(requester)
    # when: too short → nothing; then a real question
    short = client.get(reverse("request_suggestions"), {"subject": "pw"}, HTTP_HX_REQUEST="true")
    typed = client.get(
        reverse("request_suggestions"),
        {"subject": "Reset password", "body": "How can I reset my password?"},
        HTTP_HX_REQUEST="true",
    )
    opened = client.get(reverse("request_suggestion_open", args=[reset.pk]), HTTP_HX_REQUEST="true")
    solved = client.post(reverse("request_deflect"), {"article_id": reset.pk})
    # then
    assert "Reset your password" not in short.content.decode()
    assert typed.content.decode().lstrip().startswith('<section id="kb-suggestions"')
    assert "Reset your password" in typed.content.decode()
    assert opened.content.decode().lstrip().startswith('<section id="kb-panel"')
    assert "Glad that helped" in solved.content.decode()
    deflection = Deflection.objects.get()
    assert (deflection.article, deflection.user) == (reset, requester)
    assert deflection.query == "Reset password How can I reset my password?"
    assert SupportRequest.objects.count() == 0


def test_submitting_anyway_records_shown_and_opened_articles(client, publish, editor):
    # given
    reset = publish("Reset your password", RESET_BODY)
    export = publish("Export a report to CSV", EXPORT_BODY)
    client.force_login(customer())
    client.get(
        reverse("request_suggestions"),
        {"subject": "Reset password export csv", "body": "reset password and export csv"},
    )
    client.get(reverse("request_suggestion_open", args=[export.pk]))
    # when
    client.post(
        reverse("request_new"),
        {
            "subject": "Reset password export csv",
            "body": "reset password and export csv",
            "product_area": "general",
            "claimed_urgency": "normal",
        },
    )
    # then
    support_request = SupportRequest.objects.get()
    seen = dict(RequestArticle.objects.values_list("article_id", "opened"))
    assert seen == {reset.pk: False, export.pk: True}
    log = SuggestionLog.objects.get()
    assert log.support_request == support_request
    # and the editors see it in the content-gap report
    client.force_login(editor)
    page = client.get(reverse("kb_editor_gaps")).content.decode()
    assert "Reset password export csv" in page and "1 submitted anyway" in page


def test_request_page_offers_articles_and_one_click_resolves(client, publish):
    reset = publish("Reset your password", RESET_BODY)
    requester = customer()
    from portal import services

    support_request = services.support_request_submit(
        requester=requester, subject="Reset password", body="How do I reset my password?"
    )
    client.force_login(requester)
    page = client.get(support_request.get_absolute_url()).content.decode()
    assert "This solved it" in page and "Reset your password" in page
    client.post(reverse("request_solved", args=[support_request.pk]), {"article_id": reset.pk})
    support_request.refresh_from_db()
    assert support_request.status == "resolved"
    assert Deflection.objects.get().support_request == support_request
    event = support_request.events.filter(kind="status_changed", data__to="resolved").get()
    assert event.data["reason"] == "Solved by the article “Reset your password”"


def test_unknown_article_ids_are_404_not_500(client, kb_index):
    client.force_login(customer())
    assert client.post(reverse("request_deflect"), {"article_id": "abc"}).status_code == 404
    assert client.post(reverse("request_deflect"), {"article_id": "999"}).status_code == 404
    assert client.get(reverse("request_suggestion_open", args=[999])).status_code == 404
