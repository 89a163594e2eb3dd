"""The demo administrator: idempotent, and never created on a portal running with DEBUG off."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("create_demo_admin", *args, stdout=out)
    return out.getvalue()


def test_it_creates_a_superuser_and_prints_the_demo_login(settings):
    settings.DEBUG = True
    output = run()

    user = User.objects.get(username="admin")
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.check_password("ntm-demo-admin")
    assert "DEMO LOGIN" in output
    assert "username: admin" in output and "password: ntm-demo-admin" in output


def test_it_is_idempotent(settings):
    settings.DEBUG = True
    run()
    output = run()

    assert User.objects.filter(username="admin").count() == 1
    assert "unchanged" in output


def test_it_repairs_a_changed_password_and_lost_rights(settings):
    settings.DEBUG = True
    User.objects.create_user(username="demo", password="something-else")

    output = run("--username", "demo", "--password", "demo-pass-1")

    user = User.objects.get(username="demo")
    assert user.is_superuser and user.is_staff
    assert user.check_password("demo-pass-1")
    assert "password reset" in output


def test_it_refuses_to_run_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        run()
    assert not User.objects.exists()


def test_force_runs_it_even_when_debug_is_off(settings):
    settings.DEBUG = False
    run("--force")
    assert User.objects.filter(username="admin", is_superuser=True).exists()
