"""Callback pages: the customer's “Call me now”, priority-callback booking and “add details”;
the agent's day of callbacks and the actions on a call. The tier gate is the services'."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import callback_selectors, callback_services, selectors
from portal.callbacks import (
    CallbackBookForm,
    CallbackRescheduleForm,
    CallNowForm,
    DetailsForm,
    OutcomeForm,
    callback_mode,
)
from triage import selectors as triage_selectors

PANEL = "portal/callbacks/request_call_panel.html"


def _panel_url(support_request) -> str:
    return f"{support_request.get_absolute_url()}#call-panel"


def _page(request, support_request, *, status=200, **forms):
    """The request's callback page: the panel with bound forms and the free times."""
    now = timezone.now()
    mode = callback_mode(support_request.tier)
    booking = callback_selectors.callback_booking_active(support_request=support_request)
    slot_options = None
    if mode == "book" and support_request.is_open:
        callback_services.callback_slots_ensure(
            start=now,
            until=callback_selectors.callback_window_end(support_request=support_request, now=now),
        )
        slot_options = callback_selectors.callback_slot_options(
            support_request=support_request, now=now
        )
    assessment = triage_selectors.assessment_latest(support_request=support_request)
    return TemplateResponse(
        request,
        "portal/callbacks/request_callback.html",
        {
            "support_request": support_request,
            "assessment": assessment,
            "sla": triage_selectors.sla_state_for_request(support_request=support_request),
            "booking": booking,
            "slot_options": slot_options,
            **forms,
        },
        status=status,
    )


def _refused(request, support_request, error):
    status = 403 if isinstance(error, callback_services.CallbackNotAllowed) else 429
    return TemplateResponse(
        request,
        "portal/callbacks/refused.html",
        {"support_request": support_request, "message": str(error)},
        status=status,
    )


def _add_error(form, error) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error))


@require_http_methods(["GET", "POST"])
@login_required
def request_callback(request, pk: int):
    """GET: the priority-callback page with free times (also the no-JavaScript fallback of
    the panel). POST: book a time or “as soon as possible”."""
    support_request = selectors.support_request_get_for_customer(user=request.user, pk=pk)
    if request.method == "GET":
        return _page(request, support_request)
    form = CallbackBookForm(request.POST)
    if form.is_valid():
        try:
            callback_services.callback_book(
                customer=request.user,
                support_request=support_request,
                slot_id=form.cleaned_data["slot"],
                phone=form.cleaned_data["phone"],
            )
        except (callback_services.CallbackNotAllowed, callback_services.RateLimited) as error:
            return _refused(request, support_request, error)
        except callback_services.CallbackError as error:
            _add_error(form, error)
        else:
            messages.success(request, "Your callback is booked. We sent you a calendar invite.")
            return redirect(_panel_url(support_request))
    elif callback_mode(support_request.tier) != "book":
        # The gate answers before the form: a bad form on a request that may not book is 403.
        return _refused(
            request,
            support_request,
            callback_services.CallbackNotAllowed(_gate_message(support_request, "book")),
        )
    return _page(request, support_request, status=400, book_form=form)


def _gate_message(support_request, mode) -> str:
    try:
        callback_services._gate(support_request, mode)
    except callback_services.CallbackNotAllowed as error:
        return str(error)
    return ""


@require_POST
@login_required
def request_call(request, pk: int):
    """“Call me now” on an Emergency."""
    support_request = selectors.support_request_get_for_customer(user=request.user, pk=pk)
    form = CallNowForm(request.POST)
    if not form.is_valid() and callback_mode(support_request.tier) != "call":
        return _refused(
            request,
            support_request,
            callback_services.CallbackNotAllowed(_gate_message(support_request, "call")),
        )
    if form.is_valid():
        try:
            callback_services.emergency_call_request(
                customer=request.user,
                support_request=support_request,
                phone=form.cleaned_data["phone"],
            )
        except (callback_services.CallbackNotAllowed, callback_services.RateLimited) as error:
            return _refused(request, support_request, error)
        except callback_services.CallbackError as error:
            _add_error(form, error)
        else:
            messages.success(request, "We are paging our on-call specialist now.")
            return redirect(_panel_url(support_request))
    return _page(request, support_request, status=400, call_form=form)


@require_GET
@login_required
def request_call_status_partial(request, pk: int):
    """The live call status (htmx polls it); the full page without JavaScript."""
    support_request = selectors.support_request_get_for_customer(user=request.user, pk=pk)
    if not request.htmx:
        return redirect(_panel_url(support_request))
    return TemplateResponse(request, f"{PANEL}#call-status", {"support_request": support_request})


@require_POST
@login_required
def request_callback_reschedule(request, pk: int, booking_id: int):
    support_request = selectors.support_request_get_for_customer(user=request.user, pk=pk)
    booking = callback_selectors.callback_booking_get_for_customer(
        support_request=support_request, booking_id=booking_id
    )
    form = CallbackRescheduleForm(request.POST)
    if form.is_valid():
        try:
            callback_services.callback_reschedule(
                customer=request.user, booking=booking, slot_id=form.cleaned_data["slot"]
            )
        except (callback_services.CallbackNotAllowed, callback_services.RateLimited) as error:
            return _refused(request, support_request, error)
        except callback_services.CallbackError as error:
            _add_error(form, error)
        else:
            messages.success(request, "Your callback is moved. We sent you a new calendar invite.")
            return redirect(_panel_url(support_request))
    return _page(request, support_request, status=400, reschedule_form=form)


@require_POST
@login_required
def request_callback_cancel(request, pk: int, booking_id: int):
    support_request = selectors.support_request_get_for_customer(user=request.user, pk=pk)
    booking = callback_selectors.callback_booking_get_for_customer(
        support_request=support_request, booking_id=booking_id
    )
    try:
        callback_services.callback_cancel(customer=request.user, booking=booking)
    except callback_services.CallbackError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Your callback is cancelled. We carry on in writing.")
    return redirect(_panel_url(support_request))


@require_POST
@login_required
def request_details(request, pk: int):
    """“Add details”: new impact facts and evidence, then triage runs again."""
    support_request = selectors.support_request_get_for_customer(user=request.user, pk=pk)
    form = DetailsForm(request.POST)
    if form.is_valid():
        try:
            result = callback_services.details_add(
                customer=request.user, support_request=support_request, **form.cleaned_data
            )
        except callback_services.RateLimited as error:
            return _refused(request, support_request, error)
        except callback_services.CallbackError as error:
            _add_error(form, error)
        else:
            if result.unlocked:
                messages.success(
                    request,
                    f"Thanks — with these details your request is now "
                    f"{support_request.get_tier_display()}, so you can ask for a call below.",
                )
            elif result.tier_before != result.tier_after:
                messages.success(
                    request, f"Thanks — we re-assessed it as {support_request.get_tier_display()}."
                )
            else:
                messages.info(
                    request,
                    "Thanks — we added your details. The urgency stays "
                    f"{support_request.get_tier_display()}; a person reads everything you sent.",
                )
            return redirect(_panel_url(support_request))
    return _page(request, support_request, status=400, details_form=form)


# -- agents -------------------------------------------------------------------------------------


@require_GET
@login_required
def agent_callbacks(request):
    calls, rows = callback_selectors.callback_list_today_for_agent(
        user=request.user, now=timezone.now()
    )
    return TemplateResponse(
        request,
        "portal/callbacks/agent_callbacks.html",
        {
            "calls": calls,
            "rows": rows,
            "agents": callback_selectors.agent_list_for_reassign(user=request.user),
            "outcome_form": OutcomeForm(),
        },
    )


def _agent_action(request, action, **kwargs):
    try:
        action(agent=request.user, **kwargs)
    except callback_services.CallbackError as error:
        messages.error(request, str(error))
        return False
    return True


@require_POST
@login_required
def agent_call_accept(request, call_id: int):
    call = callback_selectors.emergency_call_get_for_agent(user=request.user, call_id=call_id)
    if _agent_action(request, callback_services.emergency_call_accept, call=call):
        messages.success(request, f"You have the call. Call {call.phone} now.")
    return redirect("agent_callbacks")


@require_POST
@login_required
def agent_call_calling(request, call_id: int):
    call = callback_selectors.emergency_call_get_for_agent(user=request.user, call_id=call_id)
    if _agent_action(request, callback_services.emergency_call_mark_calling, call=call):
        messages.success(request, "The customer now sees that you are calling.")
    return redirect("agent_callbacks")


@require_POST
@login_required
def agent_call_outcome(request, call_id: int):
    call = callback_selectors.emergency_call_get_for_agent(user=request.user, call_id=call_id)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please choose one of the listed outcomes.")
    elif _agent_action(
        request,
        callback_services.emergency_call_record_outcome,
        call=call,
        outcome=form.cleaned_data["outcome"],
        note=form.cleaned_data["note"],
    ):
        messages.success(request, "Outcome recorded.")
    return redirect("agent_callbacks")


@require_POST
@login_required
def agent_callback_outcome(request, booking_id: int):
    booking = callback_selectors.callback_booking_get_for_agent(
        user=request.user, booking_id=booking_id
    )
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please choose one of the listed outcomes.")
    elif _agent_action(
        request,
        callback_services.callback_record_outcome,
        booking=booking,
        outcome=form.cleaned_data["outcome"],
        note=form.cleaned_data["note"],
    ):
        messages.success(request, "Outcome recorded.")
    return redirect("agent_callbacks")


@require_POST
@login_required
def agent_callback_reassign(request, booking_id: int):
    booking = callback_selectors.callback_booking_get_for_agent(
        user=request.user, booking_id=booking_id
    )
    agents = callback_selectors.agent_list_for_reassign(user=request.user)
    to_agent = agents.filter(pk=request.POST.get("agent") or 0).first()
    if to_agent is None:
        messages.error(request, "Please pick a member of the support team.")
        return redirect("agent_callbacks")
    try:
        callback_services.callback_reassign(actor=request.user, booking=booking, to_agent=to_agent)
    except callback_services.CallbackError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Callback handed to {to_agent.email}.")
    return redirect("agent_callbacks")
