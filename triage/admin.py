from django.contrib import admin

from triage.models import Notification, RotaOverride, RotaSlot, SlaConfig, TriagePolicy


@admin.register(RotaSlot)
class RotaSlotAdmin(admin.ModelAdmin):
    list_display = ["weekday", "start", "end", "primary", "backup"]
    list_filter = ["weekday"]


@admin.register(RotaOverride)
class RotaOverrideAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "ends_at", "primary", "backup", "note"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["key", "stage", "recipient", "due_at", "created_at", "emailed_at"]
    list_filter = ["stage", "audience"]

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(SlaConfig)
admin.site.register(TriagePolicy)
