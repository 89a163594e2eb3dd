"""Vietnamese by default, English on request, Vietnamese number formats, and the SECRET_KEY guard."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from communes.models import Kind, Level, Unit
from tests.factories import CommuneFactory

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def villages(db) -> int:
    """1,234 villages in force today, so a home-page tile needs a thousands separator."""
    commune = CommuneFactory()
    Unit.objects.bulk_create(
        Unit(code=f"V{n:05d}", name=f"Thôn {n}", level=Level.VILLAGE, kind=Kind.VILLAGE, parent=commune)
        for n in range(1234)
    )
    return 1234


def test_home_page_is_in_vietnamese_by_default(client, villages):
    html = client.get("/").content.decode()

    assert '<html lang="vi">' in html
    assert "Cổng thông tin điều phối xây dựng nông thôn mới" in html
    assert "Đơn vị hành chính cấp xã" in html
    assert "New Rural Development coordination portal" not in html
    assert "<dd>1.234</dd>" in html


def test_language_switch_turns_the_home_page_english(client, villages):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302

    html = client.get("/").content.decode()

    assert '<html lang="en">' in html
    assert "New Rural Development coordination portal" in html
    assert "Cổng thông tin điều phối" not in html
    assert "<dd>1,234</dd>" in html


def test_language_cookie_alone_selects_english(client, villages, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html and "Commune-level units" in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [("vi", "1.274.790 | 16,3"), ("en", "1,274,790 | 16.3")],
)
def test_numbers_are_grouped_in_the_active_language(language, expected):
    template = Template("{{ people }} | {{ share|floatformat:1 }}")
    with translation.override(language):
        assert template.render(Context({"people": 1274790, "share": 16.3})) == expected


def test_vietnamese_translations_are_compiled():
    """The .mo file is versioned (fresh machines may lack gettext); it must carry the translations."""
    with translation.override("vi"):
        assert translation.gettext("Commune-level units") == "Đơn vị hành chính cấp xã"
        assert translation.gettext("Legal basis") == "Căn cứ pháp lý"


def start_django(**env: str) -> subprocess.CompletedProcess:
    clean_env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "ntm_portal.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=BASE_DIR,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off():
    result = start_django()
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_settings_start_with_a_secret_key_or_in_debug_mode():
    assert start_django(SECRET_KEY="a-test-only-key").stdout.strip() == "started"
    assert start_django(DEBUG="1").stdout.strip() == "started"


@pytest.mark.django_db
def test_an_english_browser_still_gets_vietnamese_until_english_is_chosen(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="vi">' in response.text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<html lang="en">' in client.get("/", HTTP_ACCEPT_LANGUAGE="vi").text
