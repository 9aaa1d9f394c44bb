"""Customer-facing pages: the organization's requests, the new-request form, a request's thread."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kb import search_service
from portal import selectors, services
from portal.forms import ReplyForm, SupportRequestForm
from portal.roles import is_agent
from portal.views import deflection
from triage import selectors as triage_selectors
from triage.presentation import next_step_text


@require_GET
def home(request):
    if not request.user.is_authenticated:
        return TemplateResponse(request, "portal/home.html")
    if is_agent(request.user):
        return redirect("agent_queue")
    if request.user.has_perm("portal.edit_knowledge_base"):
        return redirect("kb_editor_list")
    return redirect("request_list")


@require_GET
@login_required
def request_list(request):
    return TemplateResponse(
        request,
        "portal/request_list.html",
        {
            "membership": selectors.membership_get(user=request.user),
            "support_requests": selectors.support_request_list_for_customer(user=request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def request_new(request):
    membership = selectors.membership_get(user=request.user)
    form = SupportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            support_request = services.support_request_submit(
                requester=request.user, **form.cleaned_data
            )
        except services.ServiceError as error:
            form.add_error(None, str(error))
        else:
            deflection.attach_draft(request, support_request)
            messages.success(request, "Thanks — your request is in. Here is what happens next.")
            return redirect(support_request)
    return TemplateResponse(
        request,
        "portal/request_new.html",
        {"form": form, "membership": membership},
        status=400 if form.errors else 200,
    )


def _detail_context(request, support_request, reply_form):
    assessment = triage_selectors.assessment_latest(support_request=support_request)
    return {
        "support_request": support_request,
        "sla": triage_selectors.sla_state_for_request(support_request=support_request),
        "assessment": assessment,
        "next_step": next_step_text(assessment.outputs.get("action", "")) if assessment else "",
        "suggestions": (
            search_service.suggest(
                query=deflection.draft_query(
                    {"subject": support_request.subject, "body": support_request.body}
                )
            ).suggestions
            if support_request.is_open and not request.htmx
            else []
        ),
        "thread": selectors.message_list_for_customer(support_request=support_request),
        "reply_form": reply_form,
    }


@require_GET
@login_required
def request_detail(request, pk: int):
    support_request = selectors.support_request_get_for_customer(user=request.user, pk=pk)
    return TemplateResponse(
        request,
        "portal/request_detail.html",
        _detail_context(request, support_request, ReplyForm()),
    )


@require_POST
@login_required
def request_reply(request, pk: int):
    support_request = selectors.support_request_get_for_customer(user=request.user, pk=pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.message_post(
                support_request=support_request, author=request.user, body=form.cleaned_data["body"]
            )
        except services.ServiceError as error:
            form.add_error(None, str(error))
        else:
            if not request.htmx:
                messages.success(request, "Your reply was sent.")
                return redirect(support_request)
            form = ReplyForm()
    template = "portal/request_detail.html"
    if request.htmx:
        template += "#thread"
    return TemplateResponse(
        request,
        template,
        _detail_context(request, support_request, form),
        status=200 if request.htmx or not form.errors else 400,
    )


@require_GET
@login_required
def request_sla_partial(request, pk: int):
    """The live response promise (htmx polls it); the full page without JavaScript."""
    support_request = selectors.support_request_get_for_customer(user=request.user, pk=pk)
    if not request.htmx:
        return redirect(support_request)
    return TemplateResponse(
        request,
        "portal/request_detail.html#sla-status",
        {
            "support_request": support_request,
            "sla": triage_selectors.sla_state_for_request(support_request=support_request),
        },
    )
