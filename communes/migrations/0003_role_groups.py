"""The four role groups and their communes permissions.

A frozen copy of communes.access.ROLE_GROUP_NAMES / ROLE_GROUP_PERMISSIONS as they were when this
migration was written (tests/communes/test_access.py checks they still agree). Existing groups keep
any extra permissions an administrator gave them; missing permissions are added.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REFERENCE_MODELS = (
    "unit",
    "province",
    "district",
    "commune",
    "village",
    "reorganisationevent",
    "unitchange",
    "classification",
    "unitclassification",
    "criteriaset",
    "criterion",
    "indicator",
    "threshold",
)
FACT_MODELS = (
    "assessment",
    "criterionresult",
    "indicatorvalue",
    "assessmenttransition",
    "recognition",
    "revocation",
    "historicalassessment",
    "historicalcriterionresult",
    "historicalindicatorvalue",
    "historicalrecognition",
    "historicalrevocation",
)
VIEW_ALL = tuple(f"view_{model}" for model in (*REFERENCE_MODELS, *FACT_MODELS))

GROUPS = {
    "Provincial staff": (
        *VIEW_ALL,
        *(
            f"{verb}_{model}"
            for model in ("assessment", "criterionresult", "indicatorvalue", "recognition", "revocation")
            for verb in ("add", "change")
        ),
        "add_assessmenttransition",
    ),
    "District officials": (*VIEW_ALL, "change_assessment", "add_assessmenttransition"),
    "Commune staff": (
        *VIEW_ALL,
        *(
            f"{verb}_{model}"
            for model in ("assessment", "criterionresult", "indicatorvalue")
            for verb in ("add", "change")
        ),
    ),
    "Viewers": VIEW_ALL,
}


def groups_create(apps, schema_editor):
    # Model permissions are normally created after all migrations (post_migrate); create them now.
    app_config = apps.get_app_config("communes")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    for name, codenames in GROUPS.items():
        group, _created = Group.objects.using(db).get_or_create(name=name)
        permissions = Permission.objects.using(db).filter(content_type__app_label="communes", codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions not found for group {name}: {', '.join(sorted(missing))}")
        group.permissions.add(*permissions)


def groups_delete(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("communes", "0002_assessments_recognitions_officers"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(groups_create, groups_delete)]
