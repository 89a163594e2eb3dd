"""Give the four role groups their OCOP and reports permissions.

A frozen copy of communes.access.ROLE_GROUP_APP_PERMISSIONS as written with this migration
(tests/reports/test_role_permissions.py checks they still agree). Existing permissions are kept.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OCOP_MODELS = ("ratingrules", "authorityrule", "productgroup", "producer", "product", "ratingevent")
REPORT_MODELS = ("target", "socioeconomicfigure", "funding", "inkindcontribution", "disbursement")
VIEW = tuple(f"ocop.view_{m}" for m in OCOP_MODELS) + tuple(f"reports.view_{m}" for m in REPORT_MODELS)
GROUPS = {
    "Provincial staff": (
        *VIEW,
        *(f"ocop.{verb}_{m}" for m in ("producer", "product", "ratingevent") for verb in ("add", "change")),
        *(f"reports.{verb}_{m}" for m in REPORT_MODELS for verb in ("add", "change")),
    ),
    "District officials": VIEW,
    "Commune staff": VIEW,
    "Viewers": VIEW,
}


def grant(apps, schema_editor):
    db = schema_editor.connection.alias
    for label in ("ocop", "reports"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=db)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, names in GROUPS.items():
        group, _created = Group.objects.using(db).get_or_create(name=name)
        for full in names:
            app_label, codename = full.split(".", 1)
            permission = Permission.objects.using(db).get(content_type__app_label=app_label, codename=codename)
            group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("communes", "0003_role_groups"),
        ("ocop", "0002_rules_and_groups"),
        ("reports", "0001_initial"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
