"""manage.py import_reorganisation FILE [--dry-run]: apply a reorganisation spreadsheet."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from communes.imports.reorganisation import reorganisations_import


class Command(BaseCommand):
    help = (
        "Import reorganisations (mergers, splits, renames, reclassifications, transfers) from a .csv or .xlsx "
        "file, one row per old unit -> new unit. All or nothing: any error writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check and report, then roll everything back.")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        result = reorganisations_import(content=content, filename=file.name, dry_run=dry_run)
        if not result.ok:
            for message in ValidationError(result.errors).messages:
                self.stderr.write(message)
            raise CommandError(gettext("%(count)s error(s); nothing was imported.") % {"count": len(result.errors)})
        if options["verbosity"] > 1:
            for label, line in result.report.labelled_lines():
                self.stdout.write(f"  {line.row or '–'}: {label}: {line.unit} [{line.period}]")
        counts = {**result.report.summary(), "rows": result.rows}
        if dry_run:
            message = gettext(
                "Dry run, nothing written. Would record %(events)s event(s) from %(rows)s row(s): "
                "%(created)s version(s) created, %(start_known)s start date(s) now known, "
                "%(closed)s version(s) closed, %(followed)s child version(s) following their parent."
            )
        else:
            message = gettext(
                "Recorded %(events)s event(s) from %(rows)s row(s): %(created)s version(s) created, "
                "%(start_known)s start date(s) now known, %(closed)s version(s) closed, "
                "%(followed)s child version(s) following their parent."
            )
        self.stdout.write(self.style.SUCCESS(message % counts))
        for event in result.report.events:
            self.stdout.write(f"  {event}")
