"""In a real browser: suggestions appear while the customer types, and “This solved my
problem” ends the draft as a deflection."""

import pytest

from kb import services as kb_services
from kb.models import Deflection, RequestArticle
from portal.models import SupportRequest
from tests.browser.test_request_flow import _sign_in
from tests.factories import customer
from tests.kb.conftest import make_editor
from tests.kb.test_kb_services import EXPORT_BODY, RESET_BODY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published(settings, tmp_path, run_index_tasks):
    settings.KB_INDEX_DIR = tmp_path / "kb-index"
    settings.KB_EMBEDDER = "hashing"
    settings.KB_INDEX_CHECK_SECONDS = 0
    author, reviewer = make_editor(), make_editor()
    articles = {}
    for title, body in [
        ("Reset your password", RESET_BODY),
        ("Export a report to CSV", EXPORT_BODY),
    ]:
        article = kb_services.article_create(editor=author, title=title, body=body)
        kb_services.article_transition(article=article, action="submit", actor=author)
        with run_index_tasks():
            kb_services.article_transition(article=article, action="approve", actor=reviewer)
        articles[title] = article
    return articles


def test_typing_shows_suggestions_and_this_solved_my_problem_deflects(
    live_server, new_page, screenshot, published
):
    # given
    requester = customer(email="sam@acme.example")
    page = new_page()
    _sign_in(page, live_server, requester.email)
    page.goto(f"{live_server.url}/requests/new/")
    # when: the customer types; htmx asks for suggestions after a pause
    page.get_by_label("Subject").press_sequentially("Reset my password", delay=20)
    page.get_by_label("Describe the problem").fill("I forgot my password, how do I reset it?")
    suggestions = page.locator("#kb-suggestions")
    suggestions.get_by_role("link", name="Reset your password").wait_for()
    # and opens the article in the side panel
    suggestions.get_by_role("link", name="Reset your password").click()
    page.locator("#kb-panel").get_by_text("We email you a link").wait_for()
    screenshot(page, "1-suggestions-and-panel")
    page.locator("#kb-panel").get_by_role("button", name="This solved my problem").click()
    # then
    page.get_by_role("heading", name="Glad that helped").wait_for()
    screenshot(page, "2-deflected")
    deflection = Deflection.objects.get()
    assert deflection.article == published["Reset your password"]
    assert "forgot my password" in deflection.query
    assert SupportRequest.objects.count() == 0


def test_still_need_help_submits_and_remembers_what_was_seen(live_server, new_page, published):
    requester = customer()
    page = new_page()
    _sign_in(page, live_server, requester.email)
    page.goto(f"{live_server.url}/requests/new/")
    page.get_by_label("Subject").fill("Export CSV is empty")
    page.get_by_label("Describe the problem").fill("The CSV export arrives as an empty ZIP file.")
    page.locator("#kb-suggestions").get_by_role("link", name="Export a report to CSV").wait_for()
    page.get_by_role("link", name="I still need help").click()
    page.get_by_role("button", name="Submit request").click()
    page.get_by_text("your request is in").wait_for()
    support_request = SupportRequest.objects.get()
    assert RequestArticle.objects.filter(
        support_request=support_request, article=published["Export a report to CSV"]
    ).exists()
