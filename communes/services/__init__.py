"""Writes that span several rows of the communes app: new unit versions and reorganisations."""

from communes.services.reorganisation import (
    ReorganisationRow,
    ReorganisationSpec,
    reorganisation_apply,
    reorganisations_apply,
)
from communes.services.units import (
    ReorganisationReport,
    ReportLine,
    row_error,
    row_errors_table,
    unit_version_create,
)

__all__ = [
    "ReorganisationReport",
    "ReorganisationRow",
    "ReorganisationSpec",
    "ReportLine",
    "reorganisation_apply",
    "reorganisations_apply",
    "row_error",
    "row_errors_table",
    "unit_version_create",
]
