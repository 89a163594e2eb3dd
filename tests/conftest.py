"""Shared fixtures: fast test settings, a Chromium browser for the browser tests, and personas.

Personas (each built through communes.services.access.officer_assign on the ``area_tree`` units;
password PERSONA_PASSWORD): ``superuser``, ``provincial_staff`` (today's Thái Nguyên),
``provincial_staff_other_province`` (Cao Bằng), ``district_official`` (Chợ Đồn), ``commune_staff``
(today's Xã Chợ Đồn), ``viewer`` (today's Thái Nguyên), ``no_role_user`` (no Officer row).
"""

import datetime
import os
import shutil

import pytest
from django.utils import translation

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and other cached values never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _english_messages_outside_requests():
    """Messages raised in the test itself (validation errors, command output) are English msgids.

    Pages fetched with the test client or a browser still get the language LocaleMiddleware picks
    (Vietnamese unless the request asks for English); the override is restored after each test.
    """
    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Debian's Chromium, never a downloaded browser build."""
    if CHROMIUM is None:
        pytest.skip("Browser test skipped: Chromium is not installed (apt-get install -y chromium).")
    # Playwright's sync API runs an event loop in the test thread; Django's ORM must allow it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args():
    return {"locale": "vi-VN"}


# Units and personas for scoping tests (communes.access). Appended by the access helper.

OLD_STRUCTURE_END = datetime.date(2025, 6, 30)
NEW_STRUCTURE_START = datetime.date(2025, 7, 1)
PERSONA_PASSWORD = "persona-pass-123"


def _event(kind: str, date: datetime.date, predecessors: list, successors: list):
    from communes.models import ReorganisationEvent, UnitChange

    event = ReorganisationEvent.objects.create(kind=kind, effective_date=date, legal_basis=f"Test {kind} {date:%Y}")
    UnitChange.objects.bulk_create(
        [UnitChange(event=event, unit=unit, role=UnitChange.Role.PREDECESSOR) for unit in predecessors]
        + [UnitChange(event=event, unit=unit, role=UnitChange.Role.SUCCESSOR) for unit in successors]
    )
    return event


@pytest.fixture
def area_tree(db):
    """A small dated unit tree, shaped like Bắc Kạn + Thái Nguyên → Thái Nguyên (1 July 2025).

    Attributes of the returned namespace (all Unit versions):

    * ``bac_thai``: Tỉnh Bắc Thái, ended 31/12/1996, split into ``bac_kan`` and ``thai_nguyen_old``
      (both 1/1/1997 – 30/6/2025);
    * ``cho_don`` (a district of Bắc Kạn, ended 30/6/2025, abolished 1/7/2025) with
      communes ``ngoc_phai`` (from 1/1/2020) and ``phuong_vien``; ``dong_vien_old`` (ended
      31/12/2019) merged into ``ngoc_phai`` on 1/1/2020;
    * ``ba_be`` (the other district of Bắc Kạn) with ``khang_ninh`` and ``cao_thuong``;
    * ``vo_nhai`` (district of the old Thái Nguyên) with ``tan_my``;
    * ``thai_nguyen``: today's province (from 1/7/2025), successor of ``bac_kan`` and ``thai_nguyen_old``;
      its communes ``xa_cho_don`` (from ngoc_phai + phuong_vien), ``xa_ba_be`` (from khang_ninh +
      cao_thuong), ``dan_tien`` (from tan_my), all from 1/7/2025 under the province;
    * ``cao_bang`` (another province of today, from 1/7/2025, no history) with ``hoa_an``.
    """
    from types import SimpleNamespace

    from communes.models import ReorganisationEvent
    from tests.factories import CommuneFactory, DistrictFactory, ProvinceFactory

    kinds = ReorganisationEvent.EventKind
    old_end, new_start = OLD_STRUCTURE_END, NEW_STRUCTURE_START
    split_1997 = datetime.date(1997, 1, 1)
    merger_2020 = datetime.date(2020, 1, 1)
    t = SimpleNamespace()
    t.bac_thai = ProvinceFactory(code="BT", name="Tỉnh Bắc Thái", valid_to=split_1997 - datetime.timedelta(days=1))
    t.bac_kan = ProvinceFactory(code="06", name="Tỉnh Bắc Kạn", valid_from=split_1997, valid_to=old_end)
    t.thai_nguyen_old = ProvinceFactory(code="19", name="Tỉnh Thái Nguyên", valid_from=split_1997, valid_to=old_end)
    t.cho_don = DistrictFactory(code="063", name="Huyện Chợ Đồn", parent=t.bac_kan, valid_to=old_end)
    t.ba_be = DistrictFactory(code="061", name="Huyện Ba Bể", parent=t.bac_kan, valid_to=old_end)
    t.vo_nhai = DistrictFactory(code="164", name="Huyện Võ Nhai", parent=t.thai_nguyen_old, valid_to=old_end)
    t.dong_vien_old = CommuneFactory(
        code="01809", name="Xã Đông Viên", parent=t.cho_don, valid_to=merger_2020 - datetime.timedelta(days=1)
    )
    t.ngoc_phai = CommuneFactory(
        code="01801", name="Xã Ngọc Phái", parent=t.cho_don, valid_from=merger_2020, valid_to=old_end
    )
    t.phuong_vien = CommuneFactory(code="01802", name="Xã Phương Viên", parent=t.cho_don, valid_to=old_end)
    t.khang_ninh = CommuneFactory(code="01700", name="Xã Khang Ninh", parent=t.ba_be, valid_to=old_end)
    t.cao_thuong = CommuneFactory(code="01701", name="Xã Cao Thượng", parent=t.ba_be, valid_to=old_end)
    t.tan_my = CommuneFactory(code="05500", name="Xã Tân Mỹ", parent=t.vo_nhai, valid_to=old_end)
    t.thai_nguyen = ProvinceFactory(code="19", name="Tỉnh Thái Nguyên", valid_from=new_start)
    t.xa_cho_don = CommuneFactory(code="01810", name="Xã Chợ Đồn", parent=t.thai_nguyen, valid_from=new_start)
    t.xa_ba_be = CommuneFactory(code="01710", name="Xã Ba Bể", parent=t.thai_nguyen, valid_from=new_start)
    t.dan_tien = CommuneFactory(code="05510", name="Xã Dân Tiến", parent=t.thai_nguyen, valid_from=new_start)
    t.cao_bang = ProvinceFactory(code="04", name="Tỉnh Cao Bằng", valid_from=new_start)
    t.hoa_an = CommuneFactory(code="01300", name="Xã Hòa An", parent=t.cao_bang, valid_from=new_start)

    _event(kinds.SPLIT, split_1997, [t.bac_thai], [t.bac_kan, t.thai_nguyen_old])
    _event(kinds.MERGE, merger_2020, [t.dong_vien_old], [t.ngoc_phai])
    _event(kinds.MERGE, new_start, [t.bac_kan, t.thai_nguyen_old], [t.thai_nguyen])
    _event(kinds.MERGE, new_start, [t.ngoc_phai, t.phuong_vien], [t.xa_cho_don])
    _event(kinds.MERGE, new_start, [t.khang_ninh, t.cao_thuong], [t.xa_ba_be])
    _event(kinds.MERGE, new_start, [t.tan_my], [t.dan_tien])
    for district in (t.cho_don, t.ba_be, t.vo_nhai):
        _event(kinds.ABOLISH, new_start, [district], [])
    return t


def _persona(username: str, role: str | None = None, area=None):
    from django.contrib.auth.models import User

    from communes.services.access import officer_assign

    user = User.objects.create_user(username=username, password=PERSONA_PASSWORD, first_name=username.title())
    if role is not None:
        officer_assign(user=user, role=role, area=area)
    return user


@pytest.fixture
def superuser(db):
    """An active superuser: sees and may do everything (password PERSONA_PASSWORD)."""
    from django.contrib.auth.models import User

    return User.objects.create_superuser(username="superuser", email="admin@example.com", password=PERSONA_PASSWORD)


@pytest.fixture
def provincial_staff(area_tree):
    """Provincial staff of today's Thái Nguyên (area_tree.thai_nguyen): sees it and, through the
    reorganisations, the former Bắc Kạn, Thái Nguyên and Bắc Thái; may enter, submit, approve,
    reopen and record recognitions. A staff user in the "Provincial staff" group."""
    from communes.models import Role

    return _persona("provincial_staff", Role.PROVINCIAL_STAFF, area_tree.thai_nguyen)


@pytest.fixture
def provincial_staff_other_province(area_tree):
    """Provincial staff of Cao Bằng (area_tree.cao_bang): sees nothing of the Thái Nguyên tree."""
    from communes.models import Role

    return _persona("provincial_staff_cao_bang", Role.PROVINCIAL_STAFF, area_tree.cao_bang)


@pytest.fixture
def district_official(area_tree):
    """District official of Chợ Đồn (area_tree.cho_don, a district version that ended 30/6/2025):
    sees its communes (ngoc_phai, phuong_vien, dong_vien_old) and what they became (xa_cho_don),
    not Ba Bể; may view and submit. Not staff; in the "District officials" group."""
    from communes.models import Role

    return _persona("district_official", Role.DISTRICT_OFFICIAL, area_tree.cho_don)


@pytest.fixture
def commune_staff(area_tree):
    """Commune staff of today's Xã Chợ Đồn (area_tree.xa_cho_don): sees it and the communes that went
    into it (ngoc_phai, phuong_vien, dong_vien_old); may view and enter drafts. Staff user in the
    "Commune staff" group."""
    from communes.models import Role

    return _persona("commune_staff", Role.COMMUNE_STAFF, area_tree.xa_cho_don)


@pytest.fixture
def viewer(area_tree):
    """Viewer of today's Thái Nguyên: the provincial area, view only. Not staff; "Viewers" group."""
    from communes.models import Role

    return _persona("viewer", Role.VIEWER, area_tree.thai_nguyen)


@pytest.fixture
def no_role_user(db):
    """A logged-in user without an Officer row: sees nothing, may do nothing."""
    return _persona("no_role_user")
