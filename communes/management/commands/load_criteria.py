"""manage.py load_criteria: the NTM criteria sets and classifications shipped in communes/data/criteria/."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from communes.loaders.criteria import DATA_DIR, CriteriaDataError, criteria_load


class Command(BaseCommand):
    help = (
        "Load the NTM criteria sets (criteria, indicators, thresholds) and the classifications they use "
        "(regions, commune classes, 2026–2030 commune groups). All or nothing; idempotent. Thresholds already "
        "in the database keep their values: only missing rows and empty values are filled from the files."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--set",
            dest="set_codes",
            action="append",
            metavar="CODE",
            help="Load only this set (repeatable), e.g. commune-2021-2025. Classifications are always loaded.",
        )
        parser.add_argument(
            "--data-dir", type=Path, default=DATA_DIR, help=f"Directory of the JSON files (default {DATA_DIR})."
        )

    def handle(self, *args, set_codes: list[str] | None, data_dir: Path, verbosity: int, **options) -> None:
        try:
            report = criteria_load(directory=data_dir, set_codes=set_codes)
        except CriteriaDataError as exc:
            raise CommandError(
                _("Nothing was loaded; fix these problems in the criteria files:") + "\n" + "\n".join(exc.errors)
            ) from exc
        if verbosity >= 1:
            for model, tally in report.tallies.items():
                self.stdout.write(f"{model._meta.verbose_name_plural}: {tally}")
            for line in report.kept:
                self.stdout.write(self.style.WARNING(line))
            for line in report.notes:
                self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(_("Criteria loaded: %(total)s.") % {"total": report.total}))
