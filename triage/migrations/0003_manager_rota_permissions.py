"""Managers edit the on-call rota (in the admin)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    f"{verb}_{model}"
    for verb in ("add", "change", "delete", "view")
    for model in ("rotaslot", "rotaoverride")
]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    manager, _ = Group.objects.get_or_create(name="manager")
    manager.permissions.add(
        *Permission.objects.filter(content_type__app_label="triage", codename__in=CODENAMES)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0002_slaconfig_slastate_notification_rotaoverride_and_more"),
        ("portal", "0002_staff_groups"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
