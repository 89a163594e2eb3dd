"""manage.py create_api_token: create an API token for a user, scoped to an area, and print its key once.

    manage.py create_api_token --user ocop-sync --area 19 --name "Hệ thống OCOP quốc gia"
    manage.py create_api_token --user admin --area-id 42 --name "Import" --read-write --key-only

Tokens are created by administrators (communes.services.access.api_token_create); only a hash of the
key is stored, so the key printed here cannot be shown again.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from communes.models import Level, Unit
from communes.services.access import api_token_create

# When a code names units of several levels, the wider one is meant.
LEVEL_ORDER = (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE)


class Command(BaseCommand):
    help = (
        "Create an API token acting as a user within an area (a province, district or commune); print the key, "
        "which is shown only once. Read-only unless --read-write."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="Username the token acts as.")
        area = parser.add_mutually_exclusive_group(required=True)
        area.add_argument(
            "--area", help="Code of the province, district or commune in force today (e.g. 19 for Thái Nguyên)."
        )
        area.add_argument("--area-id", type=int, help="Id of a unit version (for a version not in force today).")
        parser.add_argument("--name", required=True, help="Which system uses the token.")
        parser.add_argument("--read-write", action="store_true", help="Allow writes (default: read only).")
        parser.add_argument("--key-only", action="store_true", help="Print only the key (for scripts).")

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(username=options["user"])
        except User.DoesNotExist as error:
            raise CommandError(f"No user named {options['user']!r}.") from error
        area = self._area(code=options["area"], pk=options["area_id"])
        try:
            token, key = api_token_create(
                name=options["name"], user=user, area=area, read_only=not options["read_write"], by=None
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if options["key_only"]:
            self.stdout.write(key)
            return
        mode = "read-only" if token.read_only else "read-write"
        self.stdout.write(f"Token “{token.name}” ({mode}) for {user} within {area}, id {token.pk}.")
        self.stdout.write(self.style.WARNING("The key is shown only now; store it safely:"))
        self.stdout.write(f"    {key}")

    def _area(self, *, code: str | None, pk: int | None) -> Unit:
        if pk is not None:
            unit = Unit.objects.filter(pk=pk).first()
            if unit is None:
                raise CommandError(f"No unit with id {pk}.")
            return unit
        units = {
            unit.level: unit
            for unit in Unit.objects.as_of(timezone.localdate()).filter(code=code, level__in=LEVEL_ORDER)
        }
        for level in LEVEL_ORDER:
            if level in units:
                return units[level]
        raise CommandError(f"No province, district or commune with code {code!r} is in force today; try --area-id.")
