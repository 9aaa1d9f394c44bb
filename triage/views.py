"""Managers' triage policy page: every version, and a form that saves the next one."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from triage import selectors, services
from triage.forms import PolicyForm


@require_http_methods(["GET", "POST"])
@login_required
def policy_edit(request):
    versions = selectors.policy_list_for_manager(user=request.user)
    _, active = services.policy_get_active()
    form = PolicyForm(
        request.POST or None,
        initial={"data": json.dumps(active.to_dict(), indent=2, sort_keys=True)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            row = services.policy_update(
                manager=request.user, data=form.cleaned_data["data"], note=form.cleaned_data["note"]
            )
        except services.TriageError as error:
            form.add_error("data", str(error))
        else:
            messages.success(request, f"Saved as policy {row.label}. New assessments use it.")
            return redirect("triage_policy")
    return TemplateResponse(
        request,
        "triage/policy_edit.html",
        {"form": form, "versions": versions},
        status=400 if form.errors else 200,
    )
