from django.contrib import admin
from django.urls import include, path

from portal.views import agent, callbacks, customer, deflection
from triage import views as triage_views

urlpatterns = [
    path("", customer.home, name="home"),
    path("requests/", customer.request_list, name="request_list"),
    path("requests/new/", customer.request_new, name="request_new"),
    path("requests/suggest/", deflection.request_suggestions_partial, name="request_suggestions"),
    path(
        "requests/suggest/<int:article_id>/",
        deflection.request_suggestion_open_partial,
        name="request_suggestion_open",
    ),
    path("requests/deflect/", deflection.request_deflect, name="request_deflect"),
    path("requests/<int:pk>/", customer.request_detail, name="request_detail"),
    path("requests/<int:pk>/solved/", deflection.request_solved_by_article, name="request_solved"),
    path("requests/<int:pk>/reply/", customer.request_reply, name="request_reply"),
    path("requests/<int:pk>/sla/", customer.request_sla_partial, name="request_sla"),
    path("requests/<int:pk>/call/", callbacks.request_call, name="request_call"),
    path(
        "requests/<int:pk>/call/status/",
        callbacks.request_call_status_partial,
        name="request_call_status",
    ),
    path("requests/<int:pk>/callback/", callbacks.request_callback, name="request_callback"),
    path(
        "requests/<int:pk>/callback/<int:booking_id>/reschedule/",
        callbacks.request_callback_reschedule,
        name="request_callback_reschedule",
    ),
    path(
        "requests/<int:pk>/callback/<int:booking_id>/cancel/",
        callbacks.request_callback_cancel,
        name="request_callback_cancel",
    ),
    path("requests/<int:pk>/details/", callbacks.request_details, name="request_details"),
    path("agent/callbacks/", callbacks.agent_callbacks, name="agent_callbacks"),
    path(
        "agent/calls/<int:call_id>/accept/", callbacks.agent_call_accept, name="agent_call_accept"
    ),
    path(
        "agent/calls/<int:call_id>/calling/",
        callbacks.agent_call_calling,
        name="agent_call_calling",
    ),
    path(
        "agent/calls/<int:call_id>/outcome/",
        callbacks.agent_call_outcome,
        name="agent_call_outcome",
    ),
    path(
        "agent/callbacks/<int:booking_id>/outcome/",
        callbacks.agent_callback_outcome,
        name="agent_callback_outcome",
    ),
    path(
        "agent/callbacks/<int:booking_id>/reassign/",
        callbacks.agent_callback_reassign,
        name="agent_callback_reassign",
    ),
    path("agent/", agent.agent_queue, name="agent_queue"),
    path("agent/notifications/", agent.agent_notifications, name="agent_notifications"),
    path(
        "agent/notifications/read/", agent.agent_notifications_read, name="agent_notifications_read"
    ),
    path("agent/requests/<int:pk>/", agent.agent_request_detail, name="agent_request_detail"),
    path(
        "agent/requests/<int:pk>/message/",
        agent.agent_request_message,
        name="agent_request_message",
    ),
    path(
        "agent/requests/<int:pk>/acknowledge/",
        agent.agent_request_acknowledge,
        name="agent_request_acknowledge",
    ),
    path(
        "agent/requests/<int:pk>/assign-to-me/",
        agent.agent_request_assign_to_me,
        name="agent_request_assign_to_me",
    ),
    path(
        "agent/requests/<int:pk>/status/", agent.agent_request_status, name="agent_request_status"
    ),
    path("agent/requests/<int:pk>/tier/", agent.agent_request_tier, name="agent_request_tier"),
    path("manage/triage-policy/", triage_views.policy_edit, name="triage_policy"),
    path("manage/sla/", triage_views.sla_config_edit, name="sla_config"),
    path("kb/", include("kb.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
