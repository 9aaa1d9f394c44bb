from django.contrib import admin

from portal.models import Membership, Message, Organization, RequestEvent, SupportRequest


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "plan_tier", "annual_contract_value", "renewal_date", "at_risk"]
    list_filter = ["plan_tier", "at_risk"]
    search_fields = ["name", "email_domain"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization"]
    raw_id_fields = ["user"]


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    raw_id_fields = ["author"]


@admin.register(SupportRequest)
class SupportRequestAdmin(admin.ModelAdmin):
    list_display = ["pk", "subject", "organization", "status", "created_at"]
    list_filter = ["status", "organization"]
    search_fields = ["subject"]
    raw_id_fields = ["requester", "assignee"]
    inlines = [MessageInline]


@admin.register(RequestEvent)
class RequestEventAdmin(admin.ModelAdmin):
    list_display = ["support_request", "kind", "actor", "at"]
    list_filter = ["kind"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
