"""manage.py create_api_token: a token for a user within an area, the key printed once."""

import io

import pytest
from django.core.management import CommandError, call_command

from communes.models import ApiToken
from communes.services.access import api_token_hash

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().strip()


def test_it_creates_a_read_write_token_for_the_version_of_the_code_in_force_today(area_tree, provincial_staff):
    key = run("--user", "provincial_staff", "--area", "19", "--name", "Sở NN", "--read-write", "--key-only")

    token = ApiToken.objects.get()
    assert (token.area, token.read_only, token.key_hash) == (area_tree.thai_nguyen, False, api_token_hash(key))


def test_it_is_read_only_by_default_and_takes_a_version_by_id(area_tree, provincial_staff):
    output = run("--user", "provincial_staff", "--area-id", str(area_tree.cho_don.pk), "--name", "Huyện")

    token = ApiToken.objects.get()
    assert (token.area, token.read_only) == (area_tree.cho_don, True)
    assert "shown only now" in output


def test_it_refuses_an_area_outside_the_users(area_tree, provincial_staff):
    with pytest.raises(CommandError, match="outside the area"):
        run("--user", "provincial_staff", "--area", "04", "--name", "Cao Bằng")
    assert not ApiToken.objects.exists()


def test_it_names_an_unknown_user_or_code(area_tree, provincial_staff):
    with pytest.raises(CommandError, match="No user named"):
        run("--user", "nobody", "--area", "19", "--name", "x")
    with pytest.raises(CommandError, match="in force today"):
        run("--user", "provincial_staff", "--area", "99", "--name", "x")
