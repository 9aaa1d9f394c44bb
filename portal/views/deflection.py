"""Knowledge-base deflection on the request form: suggestions while the customer types,
“this solved my problem”, and the articles shown and opened for each request."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from kb import search_service
from kb import selectors as kb_selectors
from kb import services as kb_services
from kb.rendering import render_markdown
from portal import selectors, services

DRAFT_KEY = "kb_draft"
MIN_QUERY_CHARS = 3


def draft_query(data) -> str:
    return " ".join(f"{data.get('subject', '')} {data.get('body', '')}".split())[:2000]


def _draft(request) -> dict:
    return request.session.get(DRAFT_KEY) or {"shown": [], "opened": [], "query": "", "weak": False}


def _article_or_404(article_id):
    try:
        return kb_selectors.article_get_published_by_id(pk=int(article_id))
    except (ValueError, TypeError):
        raise Http404("No such article.") from None


@require_GET
@login_required
def request_suggestions_partial(request):
    query = draft_query(request.GET)
    result = None
    if len(query) >= MIN_QUERY_CHARS:
        result = search_service.suggest(query=query)
        draft = _draft(request)
        shown = list(dict.fromkeys(draft["shown"] + [s.article.pk for s in result.suggestions]))
        # Write the session only when something new was shown (not on every keystroke).
        if shown != draft["shown"] or result.weak != draft["weak"] or not draft["query"]:
            draft.update(shown=shown, query=query, weak=result.weak)
            request.session[DRAFT_KEY] = draft
    return TemplateResponse(
        request, "portal/request_new.html#kb-suggestions", {"suggestions": result, "query": query}
    )


@require_GET
@login_required
def request_suggestion_open_partial(request, article_id: int):
    article = _article_or_404(article_id)
    draft = _draft(request)
    draft["opened"] = list(dict.fromkeys([*draft["opened"], article.pk]))
    request.session[DRAFT_KEY] = draft
    if not request.htmx:
        return redirect(article)
    return TemplateResponse(
        request,
        "portal/request_new.html#kb-panel",
        {
            "panel_article": article,
            "panel_html": render_markdown(article.body),
            "query": draft["query"],
        },
    )


@require_POST
@login_required
def request_deflect(request):
    """“This solved my problem” on the form: the draft ends as a deflection, no request."""
    article = _article_or_404(request.POST.get("article_id"))
    query = (
        request.POST.get("query", "").strip()[:2000]
        or draft_query(request.POST)
        or _draft(request)["query"]
    )
    kb_services.deflection_record(user=request.user, article=article, query=query)
    request.session.pop(DRAFT_KEY, None)
    return TemplateResponse(request, "portal/request_deflected.html", {"article": article})


def attach_draft(request, support_request) -> None:
    """Called after a successful submission: remember what the customer saw and opened, and
    log the query as 'submitted anyway' for the content-gap report."""
    draft = _draft(request)
    kb_services.request_articles_attach(
        support_request=support_request, shown=draft["shown"], opened=draft["opened"]
    )
    kb_services.suggestion_log(
        user=request.user,
        query=draft["query"]
        or draft_query({"subject": support_request.subject, "body": support_request.body}),
        shown=draft["shown"],
        weak=draft["weak"],
        support_request=support_request,
    )
    request.session.pop(DRAFT_KEY, None)


@require_POST
@login_required
def request_solved_by_article(request, pk: int):
    """After submission: one click on a suggested article resolves the request."""
    support_request = selectors.support_request_get_for_customer(user=request.user, pk=pk)
    article = _article_or_404(request.POST.get("article_id"))
    resolved = services.support_request_resolve_by_customer(
        support_request=support_request,
        customer=request.user,
        reason=f"Solved by the article “{article.title}”",
    )
    if resolved:
        kb_services.deflection_record(
            user=request.user,
            article=article,
            query=f"{support_request.subject} {support_request.body}",
            support_request=support_request,
        )
        messages.success(request, "Glad that helped — we marked your request as resolved.")
    return redirect(support_request)
