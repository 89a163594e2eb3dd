"""manage.py load_demo: the demo province with generated data, clearly marked as demo."""

from django.core.management.base import BaseCommand

from communes.loaders.demo import DEMO_PROVINCE_CODE, demo_load


class Command(BaseCommand):
    help = (
        f"Load the demo: the real units of province {DEMO_PROVINCE_CODE} (Thái Nguyên, with the former Bắc Kạn) "
        "plus generated villages, classifications and reorganisations, all marked as demo data. Idempotent."
    )

    def handle(self, *args, **options) -> None:
        summary = demo_load(echo=self.stdout.write)
        for note in summary.notes:
            self.stdout.write(note)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo: {summary.villages} villages (+{summary.village_versions_after_2025} versions after 1/7/2025), "
                f"{summary.classifications} classifications, {summary.events} reorganisation events, "
                f"{summary.assessments.get('assessments', 0)} assessments, "
                f"{summary.assessments.get('recognitions', 0)} recognitions; OCOP: {summary.ocop}; "
                f"targets and funding: {summary.reports}."
            )
        )
