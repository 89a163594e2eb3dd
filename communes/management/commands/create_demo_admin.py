"""Create (or repair) the demo administrator that bin/run prints the login of.

The password is known to anyone who reads this repository, so the command refuses to run when
DEBUG is off unless --force is given: a known password must never reach a production database.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEFAULT_USERNAME = "admin"
DEFAULT_PASSWORD = "ntm-demo-admin"


class Command(BaseCommand):
    help = "Create the demo superuser (idempotent) and print its login. Development and demo portals only."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=DEFAULT_USERNAME, help=f"Default: {DEFAULT_USERNAME}.")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help=f"Default: {DEFAULT_PASSWORD}.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off. Never on a production portal: the password is public.",
        )

    def handle(self, *args, username: str, password: str, force: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to create the demo administrator while DEBUG is off: its password is public. "
                "Use createsuperuser on a real portal, or pass --force on a throw-away demo database."
            )
        if not username.strip() or not password:
            raise CommandError("--username and --password must not be empty.")

        User = get_user_model()
        with transaction.atomic():
            user, created = User.objects.select_for_update().get_or_create(username=username)
            changed = []
            if not (user.is_active and user.is_staff and user.is_superuser):
                user.is_active = user.is_staff = user.is_superuser = True
                changed.append("made an active superuser")
            if not user.check_password(password):
                user.set_password(password)
                changed.append("password reset to the demo password" if not created else "password set")
            if created or changed:
                user.save()

        if created:
            status = "created"
        elif changed:
            status = "already existed; " + ", ".join(changed)
        else:
            status = "already exists, unchanged"
        self.stdout.write(f"Demo administrator {status}.")
        self.stdout.write(self.style.WARNING("DEMO LOGIN, for development and demonstrations only:"))
        self.stdout.write(f"    username: {username}")
        self.stdout.write(f"    password: {password}")
