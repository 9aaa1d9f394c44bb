"""Knowledge-base pages: the editors' workspace and the public help centre."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kb import selectors, services, workflow
from kb.forms import ArticleFilterForm, ArticleForm, VoteForm
from kb.rendering import render_markdown


def _actor(user, article):
    last = article.revisions.order_by("-number").values_list("author_id", flat=True).first()
    return workflow.Actor(
        is_editor=services.is_editor(user),
        is_manager=user.has_perm(services.MANAGE_PERMISSION),
        wrote_last_revision=last == user.pk,
    )


@require_GET
@login_required
def editor_article_list(request):
    form = ArticleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    articles = selectors.article_list_for_editor(user=request.user, **filters)
    template = "kb/editor_article_list.html"
    if request.htmx:
        template += "#article-list"
    return TemplateResponse(request, template, {"filter_form": form, "articles": articles})


@require_http_methods(["GET", "POST"])
@login_required
def editor_article_new(request):
    selectors.article_list_for_editor(user=request.user)  # access check
    initial = {"body": request.GET.get("from_gap", ""), "title": request.GET.get("title", "")}
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "note"}
        article = services.article_create(editor=request.user, **data)
        messages.success(request, "Draft saved.")
        return redirect("kb_editor_article", pk=article.pk)
    return TemplateResponse(
        request,
        "kb/editor_article_edit.html",
        {"form": form, "article": None, "preview": render_markdown(form["body"].value() or "")},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def editor_article_edit(request, pk: int):
    article = selectors.article_get_for_editor(user=request.user, pk=pk)
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            revision = services.article_update(
                article=article, editor=request.user, **form.cleaned_data
            )
            messages.success(
                request,
                f"Saved as revision {revision.number}." if revision else "No changes to save.",
            )
            return redirect("kb_editor_article", pk=article.pk)
    else:
        form = ArticleForm(
            initial={
                "title": article.title,
                "summary": article.summary,
                "body": article.body,
                "product_area": article.product_area,
                "language": article.language,
                "tags": ", ".join(article.tags),
            }
        )
    return TemplateResponse(
        request,
        "kb/editor_article_edit.html",
        {
            "form": form,
            "article": article,
            "preview": render_markdown(form["body"].value() or ""),
            "actions": [
                (action.value, workflow.ACTION_LABELS[action])
                for action in workflow.available_actions(
                    workflow.Status(article.status), _actor(request.user, article)
                )
            ],
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def editor_preview_partial(request):
    selectors.article_list_for_editor(user=request.user)  # access check
    return TemplateResponse(
        request,
        "kb/editor_article_edit.html#preview",
        {"preview": render_markdown(request.POST.get("body", ""))},
    )


@require_POST
@login_required
def editor_article_transition(request, pk: int):
    article = selectors.article_get_for_editor(user=request.user, pk=pk)
    try:
        services.article_transition(
            article=article, action=request.POST.get("action", ""), actor=request.user
        )
        messages.success(request, f"The article is now {article.get_status_display().lower()}.")
    except services.KbError as error:
        messages.error(request, str(error))
    return redirect("kb_editor_article", pk=pk)


@require_GET
@login_required
def editor_article_revisions(request, pk: int):
    article = selectors.article_get_for_editor(user=request.user, pk=pk)
    revisions = list(article.revisions.select_related("author"))
    diff, old, new = None, None, None
    if len(revisions) >= 2:
        try:
            a = int(request.GET.get("a", revisions[1].number))
            b = int(request.GET.get("b", revisions[0].number))
        except ValueError:
            a, b = revisions[1].number, revisions[0].number
        old = selectors.revision_get_for_editor(user=request.user, article=article, number=a)
        new = selectors.revision_get_for_editor(user=request.user, article=article, number=b)
        diff = selectors.revision_diff(old=old, new=new)
    return TemplateResponse(
        request,
        "kb/editor_article_revisions.html",
        {"article": article, "revisions": revisions, "diff": diff, "old": old, "new": new},
    )


@require_POST
@login_required
def editor_revision_restore(request, pk: int, number: int):
    article = selectors.article_get_for_editor(user=request.user, pk=pk)
    revision = selectors.revision_get_for_editor(user=request.user, article=article, number=number)
    restored = services.article_revision_restore(
        article=article, revision=revision, editor=request.user
    )
    if restored:
        messages.success(request, f"Revision {number} restored as revision {restored.number}.")
    else:
        messages.info(request, "That revision is already the current text.")
    return redirect("kb_editor_article", pk=pk)


@require_GET
def kb_home(request):
    from kb import search_service

    query = request.GET.get("q", "").strip()[:500]
    results = search_service.article_search(query=query, limit=10) if query else []
    return TemplateResponse(
        request,
        "kb/kb_home.html",
        {
            "query": query,
            "results": results,
            "articles": selectors.article_list_published().order_by("product_area", "title")[:50],
        },
    )


@require_GET
def kb_article(request, slug: str):
    article = selectors.article_get_published(slug=slug)
    template = "kb/kb_article.html"
    if request.htmx:
        template += "#article-panel"
    return TemplateResponse(
        request,
        template,
        {"article": article, "html": render_markdown(article.body), "vote_form": VoteForm()},
    )


@require_POST
def kb_article_vote(request, slug: str):
    article = selectors.article_get_published(slug=slug)
    form = VoteForm(request.POST)
    counted = None
    if form.is_valid():
        if not request.session.session_key:
            request.session.save()
        counted = services.article_vote(
            article=article,
            user=request.user,
            session_key=request.session.session_key or "",
            helpful=form.cleaned_data["helpful"],
            reason=form.cleaned_data["reason"],
        )
    if request.htmx:
        return TemplateResponse(
            request,
            "kb/kb_article.html#vote",
            {"article": article, "vote_form": form, "counted": counted},
        )
    if counted:
        messages.success(request, "Thanks for telling us.")
    elif counted is False:
        messages.info(request, "You already voted on this article.")
    else:
        messages.error(request, "Please choose yes or no.")
    return redirect(article)


@require_GET
@login_required
def editor_content_gaps(request):
    gaps = selectors.content_gaps(user=request.user)
    return TemplateResponse(request, "kb/editor_content_gaps.html", {"gaps": gaps})
