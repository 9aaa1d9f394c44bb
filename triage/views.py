"""Managers' triage policy page: every version, and a form that saves the next one."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from triage import selectors, services, sla_services
from triage.forms import PolicyForm, SlaConfigForm


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


@require_http_methods(["GET", "POST"])
@login_required
def sla_config_edit(request):
    """Targets, calendar and ladder; saving makes a new version and recomputes open requests
    from their event logs (no clock restarts, paused time kept)."""
    versions = selectors.sla_config_list_for_manager(user=request.user)
    current = versions.first()
    if current is None:
        sla_services.sla_setup_get()
        current = versions.first()

    def dump(data, drop_version=False):
        data = {k: v for k, v in data.items() if not (drop_version and k == "version")}
        return json.dumps(data, indent=2, sort_keys=True)

    form = SlaConfigForm(
        request.POST or None,
        initial={
            "calendar": dump(current.calendar),
            "targets": dump(current.targets, drop_version=True),
            "ladder": dump(current.ladder, drop_version=True),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            row = sla_services.sla_config_update(manager=request.user, **form.cleaned_data)
        except (ValueError, KeyError, TypeError) as error:
            form.add_error(None, f"This SLA setup is not valid: {error}")
        else:
            messages.success(
                request, f"Saved as SLA v{row.version}. Open requests are being recomputed."
            )
            return redirect("sla_config")
    primary, backup = sla_services.oncall_now(now=timezone.now())
    return TemplateResponse(
        request,
        "triage/sla_config_edit.html",
        {"form": form, "versions": versions, "primary": primary, "backup": backup},
        status=400 if form.errors else 200,
    )
