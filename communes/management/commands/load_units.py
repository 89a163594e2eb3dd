"""manage.py load_units: Vietnam's real administrative units before and after 1 July 2025, with the 2025 events."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communes.loaders.units import Tally, UnitLoadError, UnitLoadSummary, units_load
from communes.loaders.units_package import NEW, OLD, PackageDataError, UnknownProvinceError
from communes.models import Kind, Level, ReorganisationEvent

# How many unresolved keys or unlinked units to print before "and N more".
SHOW_AT_MOST = 20


HELP = gettext_lazy(
    "Load the real administrative units of Vietnam from the vietnamadminunits package: the structure in force "
    "until 30/06/2025 (63 provinces, districts, communes), the structure from 01/07/2025 (34 provinces, 3,321 "
    "communes) and the 2025 reorganisation as events linking old units to new ones. Idempotent: a second run "
    "changes nothing, and units or events entered by staff (any source other than the package) are never "
    "changed."
)


class Command(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs):
        self.help = str(HELP)  # argparse needs a real string, translated when the command runs
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--province",
            metavar="CODE",
            help=_(
                "Load one province family only: the province after 1 July 2025 that CODE names, or that the old "
                "province CODE was merged into, together with all the old provinces merged into it (so that its "
                "events are complete). E.g. --province 96 or --province 95 both load Cà Mau with the former Bạc Liêu."
            ),
        )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        try:
            summary = units_load(province_code=options["province"])
        except UnknownProvinceError as error:
            raise CommandError(str(error)) from error
        except (PackageDataError, UnitLoadError) as error:
            raise CommandError(_("Nothing was loaded:\n%(problems)s") % {"problems": error}) from error
        if options["verbosity"] >= 1:
            self.report(summary, seconds=time.monotonic() - started)

    def report(self, summary: UnitLoadSummary, *, seconds: float) -> None:
        write = self.stdout.write
        write(
            _("vietnamadminunits %(version)s; provinces before 1/7/2025: %(old)s; after: %(new)s")
            % {
                "version": summary.package_version,
                "old": ", ".join(summary.old_province_codes),
                "new": ", ".join(summary.new_province_codes),
            }
        )
        eras = {OLD: _("until 30/06/2025"), NEW: _("from 01/07/2025")}
        rows: list[tuple[str, Tally, str]] = []
        for era in (OLD, NEW):
            for level in (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE):
                if (era, level) in summary.units:
                    kinds = summary.unit_kinds[(era, level)]
                    detail = ", ".join(f"{count} {Kind(kind).label}" for kind, count in sorted(kinds.items()))
                    rows.append((f"{Level(level).label} {eras[era]}", summary.units[(era, level)], detail))
        for kind, tally in sorted(summary.events.items()):
            rows.append((_("Events: %(kind)s") % {"kind": ReorganisationEvent.EventKind(kind).label}, tally, ""))
        rows.append((_("Regions of the old provinces"), summary.regions, ""))
        width = max(len(label) for label, _tally, _detail in rows)
        write(f"{'':{width}} {_('created'):>8} {_('updated'):>8} {_('unchanged'):>9} {_('kept'):>6}")
        for label, tally, detail in rows:
            write(f"{label:{width}} {tally.created:>8} {tally.updated:>8} {tally.unchanged:>9} {tally.kept:>6}")
            if detail:
                write(f"    {detail}")
        if summary.missing_regions:
            write(
                self.style.WARNING(
                    _("No region classifications %(codes)s yet: run load_criteria to assign regions, then run again.")
                    % {"codes": ", ".join(summary.missing_regions)}
                )
            )
        self.problems(_("Unresolved converter keys"), summary.unresolved)
        self.problems(_("Old communes with no successor"), summary.unlinked)
        write(self.style.SUCCESS(_("Done in %(seconds).1f s.") % {"seconds": seconds}))

    def problems(self, label: str, items: list[str]) -> None:
        self.stdout.write(f"{label}: {len(items)}")
        for item in items[:SHOW_AT_MOST]:
            self.stdout.write(self.style.WARNING(f"  {item}"))
        if len(items) > SHOW_AT_MOST:
            self.stdout.write(_("  … and %(count)d more") % {"count": len(items) - SHOW_AT_MOST})
