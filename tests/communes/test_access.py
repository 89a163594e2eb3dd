"""Users, areas and roles: user_area, area_q / for_user, user_can, officer_assign and the admin."""

import importlib

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communes.access import (
    ACTIONS,
    EMPTY_AREA,
    ROLE_GROUP_NAMES,
    ROLE_GROUP_PERMISSIONS,
    Area,
    area_q,
    user_area,
    user_can,
)
from communes.models import (
    Assessment,
    Criterion,
    CriterionResult,
    Officer,
    Recognition,
    RecognitionLevel,
    ReorganisationEvent,
    Role,
    Unit,
)
from communes.services.access import officer_assign, officer_remove
from tests.conftest import NEW_STRUCTURE_START, OLD_STRUCTURE_END, PERSONA_PASSWORD, _event
from tests.factories import CommuneFactory, CriteriaSetFactory, DistrictFactory, VillageFactory

pytestmark = pytest.mark.django_db

PERSONAS = [
    "superuser",
    "provincial_staff",
    "provincial_staff_other_province",
    "district_official",
    "commune_staff",
    "viewer",
    "no_role_user",
]


def ids(*units) -> frozenset[int]:
    return frozenset(unit.pk for unit in units)


def names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


def fresh(user: User) -> User:
    """The same user as a new object: no cached area or permissions (as in the next request)."""
    return User.objects.get(pk=user.pk)


# Areas


def test_provincial_staff_area_is_the_province_and_every_province_that_went_into_it(provincial_staff, area_tree):
    t = area_tree
    assert user_area(provincial_staff) == Area(
        province_ids=ids(t.thai_nguyen, t.bac_kan, t.thai_nguyen_old, t.bac_thai)
    )


def test_other_province_staff_area_is_their_province_only(provincial_staff_other_province, area_tree):
    assert user_area(provincial_staff_other_province) == Area(province_ids=ids(area_tree.cao_bang))


def test_district_official_area_is_the_district_and_the_communes_it_became(district_official, area_tree):
    t = area_tree
    assert user_area(district_official) == Area(district_ids=ids(t.cho_don), commune_ids=ids(t.xa_cho_don))


def test_commune_staff_area_is_the_commune_and_every_commune_that_went_into_it(commune_staff, area_tree):
    t = area_tree
    assert user_area(commune_staff) == Area(commune_ids=ids(t.xa_cho_don, t.ngoc_phai, t.phuong_vien, t.dong_vien_old))


def test_staff_of_a_former_commune_see_its_predecessors_and_what_it_became_not_its_merger_partner(area_tree):
    t = area_tree
    user = User.objects.create_user("old_commune")
    officer_assign(user=user, role=Role.COMMUNE_STAFF, area=t.ngoc_phai)
    assert user_area(user) == Area(commune_ids=ids(t.ngoc_phai, t.dong_vien_old, t.xa_cho_don))


def test_viewer_area_follows_the_level_of_their_area(viewer, provincial_staff, area_tree):
    assert user_area(viewer) == user_area(provincial_staff)
    commune_viewer = User.objects.create_user("commune_viewer")
    officer_assign(user=commune_viewer, role=Role.VIEWER, area=area_tree.xa_ba_be)
    t = area_tree
    assert user_area(commune_viewer) == Area(commune_ids=ids(t.xa_ba_be, t.khang_ninh, t.cao_thuong))


def test_users_without_a_role_anonymous_and_inactive_users_have_an_empty_area(no_role_user, provincial_staff):
    assert user_area(no_role_user) == EMPTY_AREA
    assert user_area(AnonymousUser()) == EMPTY_AREA
    provincial_staff.is_active = False
    provincial_staff.save()
    assert user_area(fresh(provincial_staff)) == EMPTY_AREA


def test_superuser_area_is_everything(superuser):
    assert user_area(superuser).everything
    assert area_q(superuser) == area_q(superuser, "") == type(area_q(superuser))()


# area_q and for_user


def test_units_for_each_persona(request, area_tree):
    t = area_tree
    everything = names(Unit.objects.all())
    thai_nguyen_tree = everything - {"Tỉnh Cao Bằng", "Xã Hòa An"}
    expected = {
        "superuser": everything,
        "provincial_staff": thai_nguyen_tree,
        "viewer": thai_nguyen_tree,
        "provincial_staff_other_province": {"Tỉnh Cao Bằng", "Xã Hòa An"},
        "district_official": {"Huyện Chợ Đồn", "Xã Ngọc Phái", "Xã Phương Viên", "Xã Đông Viên", "Xã Chợ Đồn"},
        "commune_staff": {"Xã Chợ Đồn", "Xã Ngọc Phái", "Xã Phương Viên", "Xã Đông Viên"},
        "no_role_user": set(),
    }
    for persona, unit_names in expected.items():
        user = request.getfixturevalue(persona)
        assert names(Unit.objects.for_user(user)) == unit_names, persona
    assert {t.bac_thai.name, t.bac_kan.name, "Huyện Ba Bể"} <= thai_nguyen_tree


def test_area_contains_agrees_with_area_q_for_every_persona_and_unit(request, area_tree):
    VillageFactory(parent=area_tree.xa_cho_don)
    VillageFactory(parent=area_tree.xa_ba_be)
    units = list(Unit.objects.all())
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        visible = set(Unit.objects.for_user(user).values_list("pk", flat=True))
        assert {unit.pk for unit in units if user_area(user).contains(unit)} == visible, persona


def test_commune_staff_see_the_villages_of_their_communes_only(commune_staff, area_tree):
    own = VillageFactory(name="Thôn Nà Pài", parent=area_tree.xa_cho_don)
    VillageFactory(name="Thôn Pác Ngòi", parent=area_tree.xa_ba_be)
    assert set(Unit.objects.for_user(commune_staff).villages()) == {own}


@pytest.fixture
def assessments(area_tree):
    """One assessment per commune: 2024 for the former communes, 2026 for today's."""
    criteria_set = CriteriaSetFactory()
    rows = {}
    for name in ("ngoc_phai", "phuong_vien", "khang_ninh", "tan_my", "xa_cho_don", "xa_ba_be", "dan_tien", "hoa_an"):
        unit = getattr(area_tree, name)
        year = 2026 if unit.valid_from == NEW_STRUCTURE_START else 2024
        rows[name] = Assessment.objects.create(unit=unit, year=year, criteria_set=criteria_set)
    return rows


def visible_assessments(user) -> set[str]:
    return {a.unit.name for a in Assessment.objects.for_user(user).select_related("unit")}


def test_provincial_staff_of_the_new_province_see_the_former_provinces_assessments(provincial_staff, assessments):
    assert visible_assessments(provincial_staff) == {
        "Xã Ngọc Phái",
        "Xã Phương Viên",
        "Xã Khang Ninh",
        "Xã Tân Mỹ",
        "Xã Chợ Đồn",
        "Xã Ba Bể",
        "Xã Dân Tiến",
    }


def test_district_official_sees_his_communes_and_their_2025_successors_not_the_other_district(
    district_official, assessments
):
    assert visible_assessments(district_official) == {"Xã Ngọc Phái", "Xã Phương Viên", "Xã Chợ Đồn"}


def test_commune_staff_see_only_their_commune_and_its_predecessors(commune_staff, assessments):
    assert visible_assessments(commune_staff) == {"Xã Ngọc Phái", "Xã Phương Viên", "Xã Chợ Đồn"}
    assert not Assessment.objects.for_user(commune_staff).filter(unit__name="Xã Ba Bể").exists()


def test_other_province_staff_see_nothing_of_the_thai_nguyen_tree(provincial_staff_other_province, assessments):
    assert visible_assessments(provincial_staff_other_province) == {"Xã Hòa An"}


def test_users_without_a_role_see_no_assessment_and_need_no_query(no_role_user, assessments, django_assert_num_queries):
    user_area(no_role_user)
    with django_assert_num_queries(0):
        assert list(Assessment.objects.for_user(no_role_user)) == []


def test_recognitions_are_scoped_by_their_unit(district_official, area_tree):
    common = {"decision_date": OLD_STRUCTURE_END, "issued_by": "UBND tỉnh Bắc Kạn", "standard_year": 2024}
    level = RecognitionLevel.COMMUNE_STANDARD
    inside = Recognition.objects.create(unit=area_tree.ngoc_phai, level=level, decision_number="1/QĐ", **common)
    Recognition.objects.create(unit=area_tree.khang_ninh, level=level, decision_number="2/QĐ", **common)
    assert list(Recognition.objects.for_user(district_official)) == [inside]


def test_area_q_takes_the_path_to_the_unit(commune_staff, assessments, area_tree):
    q = area_q(commune_staff, "assessment__unit__")
    criterion = Criterion.objects.create(
        criteria_set=assessments["xa_cho_don"].criteria_set, number=1, name_vi="Quy hoạch"
    )
    inside = CriterionResult.objects.create(assessment=assessments["xa_cho_don"], criterion=criterion)
    CriterionResult.objects.create(assessment=assessments["xa_ba_be"], criterion=criterion)
    assert list(CriterionResult.objects.filter(q)) == [inside]


# Query bounds


def test_user_area_takes_the_same_few_queries_however_many_communes_the_district_had(area_tree):
    def queries_for_area(district) -> int:
        user = User.objects.create_user(f"official_{district.code}")
        officer_assign(user=user, role=Role.DISTRICT_OFFICIAL, area=district)
        user = fresh(user)
        with CaptureQueriesContext(connection) as captured:
            user_area(user)
        with CaptureQueriesContext(connection) as cached:
            user_area(user)
        assert len(cached) == 0  # cached on the user object for the request
        return len(captured)

    small = queries_for_area(area_tree.ba_be)  # 2 former communes
    big = DistrictFactory(code="999", name="Huyện Lớn", parent=area_tree.bac_kan, valid_to=OLD_STRUCTURE_END)
    for _n in range(30):
        old = CommuneFactory(parent=big, valid_to=OLD_STRUCTURE_END)
        new = CommuneFactory(parent=area_tree.thai_nguyen, valid_from=NEW_STRUCTURE_START)
        _event(ReorganisationEvent.EventKind.MERGE, NEW_STRUCTURE_START, [old], [new])
    large = queries_for_area(big)
    assert large == small == 4  # officer, predecessors, communes, successors
    assert len(user_area(User.objects.get(username="official_999")).commune_ids) == 30


@pytest.mark.parametrize("persona", ["provincial_staff", "commune_staff", "district_official"])
def test_user_area_is_a_handful_of_queries(request, persona, django_assert_max_num_queries):
    user = fresh(request.getfixturevalue(persona))
    with django_assert_max_num_queries(5):
        user_area(user)


# user_can

ALLOWED = {
    "superuser": set(ACTIONS),
    "provincial_staff": set(ACTIONS),
    "provincial_staff_other_province": set(),  # the commune is outside Cao Bằng
    "district_official": {"view", "submit"},
    "commune_staff": {"view", "enter"},
    "viewer": {"view"},
    "no_role_user": set(),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_user_can_matrix_on_a_former_commune_of_cho_don(request, persona, area_tree):
    user = request.getfixturevalue(persona)
    allowed = {action for action in ACTIONS if user_can(user, action, area_tree.ngoc_phai)}
    assert allowed == ALLOWED[persona]


def test_user_can_nothing_outside_the_area(
    district_official, commune_staff, provincial_staff_other_province, area_tree
):
    for action in ACTIONS:
        assert not user_can(district_official, action, area_tree.khang_ninh)
        assert not user_can(commune_staff, action, area_tree.xa_ba_be)
    assert user_can(provincial_staff_other_province, "approve", area_tree.hoa_an)


def test_user_can_also_needs_the_group_permission(provincial_staff, area_tree):
    group = Group.objects.get(name=ROLE_GROUP_NAMES[Role.PROVINCIAL_STAFF])
    group.permissions.remove(Permission.objects.get(codename="change_assessment", content_type__app_label="communes"))
    user = fresh(provincial_staff)
    assert user_can(user, "view", area_tree.xa_cho_don)
    assert not user_can(user, "approve", area_tree.xa_cho_don)
    assert not user_can(user, "enter", area_tree.xa_cho_don)
    assert user_can(user, "record_recognition", area_tree.xa_cho_don)


def test_user_can_refuses_an_unknown_action(provincial_staff, area_tree):
    with pytest.raises(ValueError, match="Unknown action 'delete'"):
        user_can(provincial_staff, "delete", area_tree.xa_cho_don)


def test_user_can_nothing_when_inactive(superuser, area_tree):
    superuser.is_active = False
    assert not user_can(superuser, "view", area_tree.xa_cho_don)


# officer_assign: groups and staff status in sync


def role_groups(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_officer_assign_keeps_exactly_one_role_group_and_leaves_other_groups_alone(area_tree):
    user = User.objects.create_user("changing")
    other = Group.objects.create(name="Newsletter editors")
    user.groups.add(other)
    officer_assign(user=user, role=Role.PROVINCIAL_STAFF, area=area_tree.thai_nguyen)
    assert role_groups(user) == {"Provincial staff", "Newsletter editors"}
    assert user.is_staff
    assert user_can(user, "approve", area_tree.xa_cho_don)

    officer_assign(user=user, role=Role.VIEWER, area=area_tree.xa_cho_don)
    user.refresh_from_db()
    assert role_groups(user) == {"Viewers", "Newsletter editors"}
    assert not user.is_staff
    assert Officer.objects.get(user=user).area == area_tree.xa_cho_don
    # The cached area and permissions were dropped: the same object answers with the new role.
    assert user_area(user) == Area(
        commune_ids=ids(area_tree.xa_cho_don, area_tree.ngoc_phai, area_tree.phuong_vien, area_tree.dong_vien_old)
    )
    assert not user_can(user, "approve", area_tree.xa_cho_don)
    assert user_can(user, "view", area_tree.xa_cho_don)

    officer_remove(user=user)
    assert role_groups(user) == {"Newsletter editors"}
    assert not Officer.objects.filter(user=user).exists()
    assert user_area(user) == EMPTY_AREA


def test_officer_assign_keeps_superusers_staff(superuser, area_tree):
    officer_assign(user=superuser, role=Role.VIEWER, area=area_tree.thai_nguyen)
    superuser.refresh_from_db()
    assert superuser.is_staff


def test_officer_assign_refuses_a_role_of_another_level_with_a_clear_message(area_tree):
    user = User.objects.create_user("mismatch")
    with pytest.raises(ValidationError) as excinfo:
        officer_assign(user=user, role=Role.DISTRICT_OFFICIAL, area=area_tree.thai_nguyen)
    assert excinfo.value.message_dict == {
        "area": [
            "A user with the role “District official” works for a unit of the district level; "
            "Tỉnh Thái Nguyên (19) is a unit of the province level."
        ]
    }
    assert not Officer.objects.filter(user=user).exists()
    assert role_groups(user) == set()


def test_officer_assign_refuses_a_village_even_for_a_viewer(area_tree):
    village = VillageFactory(name="Thôn Nà Pài", parent=area_tree.xa_cho_don)
    with pytest.raises(ValidationError, match="is a unit of the village"):
        officer_assign(user=User.objects.create_user("v"), role=Role.VIEWER, area=village)


def test_officer_assign_takes_a_code_as_the_version_in_force_today(area_tree):
    user = User.objects.create_user("by_code")
    officer = officer_assign(user=user, role=Role.PROVINCIAL_STAFF, area="19")
    assert officer.area == area_tree.thai_nguyen
    with pytest.raises(
        ValidationError, match="No single unit with code 063 for the role “District official” is in force today"
    ):
        officer_assign(user=user, role=Role.DISTRICT_OFFICIAL, area="063")
    assert Officer.objects.get(user=user).role == Role.PROVINCIAL_STAFF


def test_personas_are_in_their_groups(request):
    expected = {
        "provincial_staff": ({"Provincial staff"}, True),
        "provincial_staff_other_province": ({"Provincial staff"}, True),
        "district_official": ({"District officials"}, False),
        "commune_staff": ({"Commune staff"}, True),
        "viewer": ({"Viewers"}, False),
        "no_role_user": (set(), False),
    }
    for persona, (groups, is_staff) in expected.items():
        user = request.getfixturevalue(persona)
        assert (role_groups(user), user.is_staff) == (groups, is_staff), persona


def test_the_migration_creates_the_groups_with_the_permissions_the_code_expects():
    migration = importlib.import_module("communes.migrations.0003_role_groups")
    assert {ROLE_GROUP_NAMES[role]: perms for role, perms in ROLE_GROUP_PERMISSIONS.items()} == migration.GROUPS
    for role, name in ROLE_GROUP_NAMES.items():
        group = Group.objects.get(name=name)
        communes_permissions = group.permissions.filter(content_type__app_label="communes")
        assert set(communes_permissions.values_list("codename", flat=True)) == set(ROLE_GROUP_PERMISSIONS[role])


# Admin


@pytest.fixture
def admin_client_en(client, superuser):
    client.force_login(superuser)
    client.cookies["django_language"] = "en"
    return client


def test_officer_admin_list_is_bounded(admin_client_en, area_tree, django_assert_max_num_queries):
    url = reverse("admin:communes_officer_changelist")
    for n in range(3):
        officer_assign(user=User.objects.create_user(f"a{n}"), role=Role.VIEWER, area=area_tree.thai_nguyen)
    with CaptureQueriesContext(connection) as few:
        assert admin_client_en.get(url).status_code == 200
    for n in range(20):
        officer_assign(user=User.objects.create_user(f"b{n}"), role=Role.COMMUNE_STAFF, area=area_tree.xa_ba_be)
    with django_assert_max_num_queries(len(few)):
        response = admin_client_en.get(url + "?role=commune_staff&q=Ba+B%E1%BB%83")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 20


def test_officer_admin_add_assigns_the_group(admin_client_en, area_tree):
    user = User.objects.create_user("new_officer")
    response = admin_client_en.get(reverse("admin:communes_officer_add"))
    assert response.status_code == 200
    response = admin_client_en.post(
        reverse("admin:communes_officer_add"),
        {"user": user.pk, "role": Role.COMMUNE_STAFF, "area": area_tree.xa_cho_don.pk},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert role_groups(user) == {"Commune staff"}
    assert user.is_staff
    officer = Officer.objects.get(user=user)
    assert admin_client_en.get(reverse("admin:communes_officer_change", args=[officer.pk])).status_code == 200


def test_officer_admin_shows_a_level_mismatch_next_to_the_area(admin_client_en, area_tree):
    user = User.objects.create_user("wrong_level")
    response = admin_client_en.post(
        reverse("admin:communes_officer_add"),
        {"user": user.pk, "role": Role.COMMUNE_STAFF, "area": area_tree.thai_nguyen.pk},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["area"] == [
        "A user with the role “Commune staff” works for a unit of the commune level; "
        "Tỉnh Thái Nguyên (19) is a unit of the province level."
    ]
    assert not Officer.objects.filter(user=user).exists()


def test_officer_admin_delete_removes_the_role_group(admin_client_en, commune_staff):
    officer = Officer.objects.get(user=commune_staff)
    response = admin_client_en.post(reverse("admin:communes_officer_delete", args=[officer.pk]), {"post": "yes"})
    assert response.status_code == 302
    commune_staff.refresh_from_db()
    assert role_groups(commune_staff) == set()
    assert not commune_staff.is_staff


def test_user_admin_list_shows_roles_with_bounded_queries(admin_client_en, request, django_assert_max_num_queries):
    for persona in PERSONAS:
        request.getfixturevalue(persona)
    url = reverse("admin:auth_user_changelist")
    with CaptureQueriesContext(connection) as few:
        response = admin_client_en.get(url)
    assert response.status_code == 200
    assert "Provincial coordination staff" in response.content.decode()
    area = Unit.objects.get(name="Xã Ba Bể")
    for n in range(20):
        officer_assign(user=User.objects.create_user(f"c{n}"), role=Role.COMMUNE_STAFF, area=area)
    with django_assert_max_num_queries(len(few)):
        assert admin_client_en.get(url).status_code == 200


def user_change_data(user: User, officer_rows: dict) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "officer-TOTAL_FORMS": "1",
        "officer-INITIAL_FORMS": "1" if officer_rows.get("officer-0-id") else "0",
        "officer-MIN_NUM_FORMS": "0",
        "officer-MAX_NUM_FORMS": "1",
        "officer-0-user": str(user.pk),
    }
    if user.is_staff:
        data["is_staff"] = "on"
    data.update(officer_rows)
    return data


def test_user_admin_change_page_with_the_inline_is_bounded(
    admin_client_en, provincial_staff, django_assert_max_num_queries
):
    url = reverse("admin:auth_user_change", args=[provincial_staff.pk])
    with django_assert_max_num_queries(15):
        response = admin_client_en.get(url)
    assert response.status_code == 200
    assert "role and area" in response.content.decode().lower()
    assert admin_client_en.get(reverse("admin:auth_user_add")).status_code == 200


def test_user_admin_inline_change_of_role_keeps_the_groups_in_sync(admin_client_en, provincial_staff, area_tree):
    officer = Officer.objects.get(user=provincial_staff)
    url = reverse("admin:auth_user_change", args=[provincial_staff.pk])
    data = user_change_data(
        provincial_staff,
        {
            "officer-0-id": str(officer.pk),
            "officer-0-role": Role.VIEWER,
            "officer-0-area": str(area_tree.thai_nguyen.pk),
        },
    )
    response = admin_client_en.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    provincial_staff.refresh_from_db()
    assert role_groups(provincial_staff) == {"Viewers"}
    assert not provincial_staff.is_staff
    assert Officer.objects.get(user=provincial_staff).role == Role.VIEWER


def test_user_admin_inline_gives_a_role_and_can_take_it_away(admin_client_en, no_role_user, area_tree):
    url = reverse("admin:auth_user_change", args=[no_role_user.pk])
    data = user_change_data(
        no_role_user, {"officer-0-role": Role.DISTRICT_OFFICIAL, "officer-0-area": str(area_tree.ba_be.pk)}
    )
    response = admin_client_en.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert role_groups(no_role_user) == {"District officials"}
    officer = Officer.objects.get(user=no_role_user)

    no_role_user.refresh_from_db()
    data = user_change_data(
        no_role_user,
        {
            "officer-0-id": str(officer.pk),
            "officer-0-role": Role.DISTRICT_OFFICIAL,
            "officer-0-area": str(area_tree.ba_be.pk),
            "officer-0-DELETE": "on",
        },
    )
    response = admin_client_en.post(url, data)
    assert response.status_code == 302
    assert role_groups(no_role_user) == set()
    assert not Officer.objects.filter(user=no_role_user).exists()


def test_user_admin_inline_refuses_a_level_mismatch(admin_client_en, no_role_user, area_tree):
    url = reverse("admin:auth_user_change", args=[no_role_user.pk])
    data = user_change_data(
        no_role_user, {"officer-0-role": Role.PROVINCIAL_STAFF, "officer-0-area": str(area_tree.xa_cho_don.pk)}
    )
    response = admin_client_en.post(url, data)
    assert response.status_code == 200
    assert "works for a unit of the province level" in response.content.decode()
    assert role_groups(no_role_user) == set()


def test_personas_can_log_in_with_the_documented_password(client, commune_staff):
    assert client.login(username="commune_staff", password=PERSONA_PASSWORD)
