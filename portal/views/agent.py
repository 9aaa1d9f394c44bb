"""Agent pages: the queue across organizations and the working view of one request."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from portal import callback_selectors, selectors, services
from portal.forms import AgentMessageForm, QueueFilterForm, StatusForm, TierOverrideForm
from triage import selectors as triage_selectors
from triage import services as triage_services


@require_GET
@login_required
def agent_queue(request):
    organizations = selectors.organization_list_for_agent(user=request.user)
    form = QueueFilterForm(request.GET or None, organizations=organizations)
    filters = form.cleaned_data if form.is_valid() else {}
    queue = selectors.support_request_queue(
        user=request.user,
        status=filters.get("status") or None,
        organization_id=filters.get("organization"),
    )
    return TemplateResponse(
        request,
        "portal/agent_queue.html",
        {
            "filter_form": form,
            "queue": queue,
            "unread_notifications": triage_selectors.notification_unread_count(user=request.user),
            "capacity_alerts": triage_selectors.capacity_alert_count(user=request.user),
        },
    )


@require_GET
@login_required
def agent_notifications(request):
    return TemplateResponse(
        request,
        "portal/agent_notifications.html",
        {"notifications": triage_selectors.notification_list_for_agent(user=request.user)},
    )


@require_POST
@login_required
def agent_notifications_read(request):
    triage_services.notifications_mark_read(user=request.user)
    return redirect("agent_notifications")


def _detail_context(support_request, message_form, status_form=None, tier_form=None):
    return {
        "support_request": support_request,
        "emergency_call": callback_selectors.emergency_call_current(
            support_request=support_request
        ),
        "booking": callback_selectors.callback_booking_active(support_request=support_request),
        "assessment": triage_selectors.assessment_latest(support_request=support_request),
        "assessments": triage_selectors.assessment_list_for_agent(support_request=support_request),
        "tier_form": tier_form or TierOverrideForm(initial={"tier": support_request.tier}),
        "thread": selectors.message_list_for_agent(support_request=support_request),
        "events": selectors.event_list_for_agent(support_request=support_request),
        "message_form": message_form,
        "status_form": status_form or StatusForm(initial={"status": support_request.status}),
    }


@require_GET
@login_required
def agent_request_detail(request, pk: int):
    support_request = selectors.support_request_get_for_agent(user=request.user, pk=pk)
    return TemplateResponse(
        request,
        "portal/agent_request_detail.html",
        _detail_context(support_request, AgentMessageForm()),
    )


@require_POST
@login_required
def agent_request_message(request, pk: int):
    support_request = selectors.support_request_get_for_agent(user=request.user, pk=pk)
    form = AgentMessageForm(request.POST)
    if form.is_valid():
        try:
            services.message_post(
                support_request=support_request,
                author=request.user,
                body=form.cleaned_data["body"],
                internal=form.cleaned_data["internal"],
            )
        except services.ServiceError as error:
            form.add_error(None, str(error))
        else:
            if not request.htmx:
                messages.success(request, "Saved.")
                return redirect("agent_request_detail", pk=pk)
            form = AgentMessageForm()
    template = "portal/agent_request_detail.html"
    if request.htmx:
        template += "#agent-thread"
    return TemplateResponse(
        request,
        template,
        _detail_context(support_request, form),
        status=200 if request.htmx or not form.errors else 400,
    )


@require_POST
@login_required
def agent_request_acknowledge(request, pk: int):
    support_request = selectors.support_request_get_for_agent(user=request.user, pk=pk)
    try:
        if services.support_request_acknowledge(
            support_request=support_request, agent=request.user
        ):
            messages.success(request, "Acknowledged. The customer can see that someone is on it.")
        else:
            messages.info(request, "This request was already acknowledged.")
    except services.ServiceError as error:
        messages.error(request, str(error))
    return redirect("agent_request_detail", pk=pk)


@require_POST
@login_required
def agent_request_assign_to_me(request, pk: int):
    support_request = selectors.support_request_get_for_agent(user=request.user, pk=pk)
    try:
        services.support_request_assign(
            support_request=support_request, assignee=request.user, actor=request.user
        )
        messages.success(request, "Assigned to you.")
    except services.ServiceError as error:
        messages.error(request, str(error))
    return redirect("agent_request_detail", pk=pk)


@require_POST
@login_required
def agent_request_status(request, pk: int):
    support_request = selectors.support_request_get_for_agent(user=request.user, pk=pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.support_request_change_status(
                support_request=support_request,
                status=form.cleaned_data["status"],
                actor=request.user,
            )
            messages.success(request, f"Status is now “{support_request.get_status_display()}”.")
        except services.ServiceError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, "Please pick one of the listed statuses.")
    return redirect("agent_request_detail", pk=pk)


@require_POST
@login_required
def agent_request_tier(request, pk: int):
    support_request = selectors.support_request_get_for_agent(user=request.user, pk=pk)
    form = TierOverrideForm(request.POST)
    if form.is_valid():
        try:
            triage_services.tier_override(
                support_request=support_request,
                agent=request.user,
                tier=form.cleaned_data["tier"],
                reason=form.cleaned_data["reason"],
            )
        except triage_services.TriageError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Tier set to {support_request.get_tier_display()}.")
            return redirect("agent_request_detail", pk=pk)
    return TemplateResponse(
        request,
        "portal/agent_request_detail.html",
        _detail_context(support_request, AgentMessageForm(), tier_form=form),
        status=400,
    )
