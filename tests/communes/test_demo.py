"""The demo's assessments: stored standing equals a recount, recognitions follow the rules, spread is real."""

import pytest
from django.core.management import call_command

from communes.loaders.demo_assessments import demo_assessments_load
from communes.models import Assessment, Recognition, Unit
from communes.selectors import assessment_standing_recount

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_units():
    call_command("load_criteria", verbosity=0)
    call_command("load_units", province="19", verbosity=0)


def test_demo_assessments_store_what_a_recount_gives(demo_units):
    counts = demo_assessments_load(limit=12)

    assessments = list(Assessment.objects.filter(is_demo=True))
    assert counts["assessments"] == len(assessments) == 12 * 9 + 12  # 2016–2024 on old units, 2026 on new
    for assessment in assessments:
        recount = assessment_standing_recount(assessment=assessment)
        stored = {key: getattr(assessment, key) for key in recount}
        assert stored == recount, assessment
    by_year = {a.year for a in assessments}
    assert by_year == {*range(2016, 2025), 2026}
    # Standing rises over the years and differs between communes.
    assert len({a.met_count for a in assessments}) > 5
    assert demo_assessments_load(limit=12) == {"assessments": 0, "recognitions": 0}  # idempotent


def test_demo_recognitions_rest_on_approved_assessments_meeting_every_criterion(demo_units):
    demo_assessments_load(limit=40)

    recognitions = Recognition.objects.filter(is_demo=True).select_related("assessment", "unit")
    assert recognitions.exists()
    for recognition in recognitions:
        assert recognition.assessment.status == Assessment.Status.APPROVED
        assert recognition.assessment.all_met
        assert recognition.decision_date.year == recognition.standard_year + 1
        assert isinstance(recognition.unit, Unit) and recognition.unit.kind == "xa"
