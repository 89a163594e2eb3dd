"""Recognition decisions (công nhận), acknowledgements after a merger (thừa nhận) and revocations (thu hồi).

Every recognition is recorded through ``recognition_record`` and every revocation through
``recognition_revoke``, so that the admin, imports and the demo loader apply the same rules:

* the level applies to the unit (a commune level to a rural commune, a village level to a village,
  the district levels to a rural district, "completed the NTM task" to a town or provincial city);
* the unit version is the one of the standard year (of the decision date, for an acknowledgement),
  and the decision is not dated before the standard year began;
* a commune at standard, and a district at standard (or a town that completed the NTM task), rest
  on an approved assessment of that unit for the standard year meeting every criterion of its set;
* advanced requires standard in force on the decision date, model requires advanced; a recognition
  revoked with effect on or before that date no longer counts;
* a district also needs every rural commune at standard on the decision date and, for standard
  years 2021–2025, at least 10% of them advanced (communes.selectors.district_conditions);
* an acknowledgement is explicit: it is recorded for a unit formed by a reorganisation and lists
  recognitions of that unit's predecessors. Nothing is ever carried across a merger by itself.

A problem is a ValidationError keyed by the argument at fault, so that forms show it beside the field.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext

from communes.access import user_can
from communes.models import Assessment, CriteriaSet, Recognition, Revocation, Unit
from communes.services.recognition_rules import RecognitionBasis, recognition_check, revocation_check

__all__ = ["RecognitionBasis", "recognition_check", "recognition_record", "recognition_revoke", "revocation_check"]


def _check_allowed(by: AbstractBaseUser | None, unit: Unit) -> None:
    if by is not None and not user_can(by, "record_recognition", unit):
        raise PermissionDenied(gettext("You may not record recognition decisions for %(unit)s.") % {"unit": unit})


@transaction.atomic
def recognition_record(
    *,
    unit: Unit,
    level: str,
    decision_number: str,
    decision_date: datetime.date,
    issued_by: str,
    signer: str = "",
    standard_year: int,
    criteria_set: CriteriaSet | None = None,
    assessment: Assessment | None = None,
    kind: str = Recognition.Kind.RECOGNITION,
    acknowledges: Iterable[Recognition] = (),
    note: str = "",
    is_demo: bool = False,
    by: AbstractBaseUser | None,
) -> Recognition:
    """Record a recognition (or an acknowledgement after a merger) after checking the rules above.

    ``assessment`` may be left out: the unit's assessment of the standard year is found. The criteria
    set defaults to the assessment's. Raises ValidationError keyed by argument; nothing is saved then.
    ``by`` (None for loaders) must be allowed to record recognitions for the unit (PermissionDenied).
    """
    _check_allowed(by, unit)
    acknowledges = list(acknowledges)
    basis = recognition_check(
        unit=unit,
        level=level,
        decision_date=decision_date,
        standard_year=standard_year,
        criteria_set=criteria_set,
        assessment=assessment,
        kind=kind,
        acknowledges=acknowledges,
    )
    recognition = Recognition(
        unit=unit,
        level=level,
        kind=kind,
        decision_number=decision_number.strip(),
        decision_date=decision_date,
        issued_by=issued_by.strip(),
        signer=signer.strip(),
        standard_year=standard_year,
        criteria_set=basis.criteria_set,
        assessment=basis.assessment,
        note=note,
        is_demo=is_demo,
    )
    recognition.full_clean()
    recognition._history_user = by
    recognition.save()
    if acknowledges:
        recognition.acknowledges.set(acknowledges)
    return recognition


@transaction.atomic
def recognition_revoke(
    *,
    recognition: Recognition,
    decision_number: str,
    decision_date: datetime.date,
    effective_date: datetime.date,
    issued_by: str,
    signer: str = "",
    reason: str,
    by: AbstractBaseUser | None,
) -> Revocation:
    """Record the decision revoking ``recognition``; it no longer counts from ``effective_date``."""
    # Lock the recognition so that two revocations of it cannot pass the checks together.
    recognition = Recognition.objects.select_for_update().select_related("unit").get(pk=recognition.pk)
    _check_allowed(by, recognition.unit)
    revocation_check(recognition=recognition, decision_date=decision_date, effective_date=effective_date, reason=reason)
    revocation = Revocation(
        recognition=recognition,
        decision_number=decision_number.strip(),
        decision_date=decision_date,
        effective_date=effective_date,
        issued_by=issued_by.strip(),
        signer=signer.strip(),
        reason=reason.strip(),
    )
    revocation.full_clean()
    revocation._history_user = by
    revocation.save()
    return revocation
