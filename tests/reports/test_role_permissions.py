"""Role groups get their OCOP and reports permissions, in migrations and when recreated."""

import importlib

import pytest
from django.contrib.auth.models import Group

from communes.access import ROLE_GROUP_APP_PERMISSIONS, ROLE_GROUP_NAMES
from communes.services.access import role_groups_ensure

pytestmark = pytest.mark.django_db


def _app_permissions(group: Group) -> set[str]:
    return {
        f"{app}.{code}"
        for app, code in group.permissions.exclude(content_type__app_label="communes").values_list(
            "content_type__app_label", "codename"
        )
    }


def test_the_migration_copy_matches_the_code():
    migration = importlib.import_module("reports.migrations.0002_role_group_permissions")
    assert {ROLE_GROUP_NAMES[role]: perms for role, perms in ROLE_GROUP_APP_PERMISSIONS.items()} == migration.GROUPS


def test_groups_recreated_after_a_flush_get_the_ocop_and_reports_permissions():
    Group.objects.all().delete()
    groups = role_groups_ensure()
    for role, group in groups.items():
        assert _app_permissions(group) == set(ROLE_GROUP_APP_PERMISSIONS[role])


def test_provincial_staff_may_rate_products_and_enter_targets(provincial_staff):
    assert provincial_staff.has_perm("ocop.add_ratingevent")
    assert provincial_staff.has_perm("reports.change_target")


def test_a_district_official_may_only_look(district_official):
    assert district_official.has_perm("ocop.view_product")
    assert not district_official.has_perm("ocop.add_ratingevent")
