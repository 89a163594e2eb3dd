"""Models of the communes app: dated units, NTM criteria sets, assessments, recognitions, officers."""

from communes.models.access import ROLE_AREA_LEVELS, Officer, Role
from communes.models.assessments import (
    Assessment,
    AssessmentTransition,
    CriterionResult,
    CriterionStatus,
    IndicatorValue,
)

from communes.models.criteria import (
    Classification,
    Confidence,
    CriteriaSet,
    Criterion,
    Indicator,
    Threshold,
    UnitClassification,
)
from communes.models.recognitions import RECOGNITION_UNIT_LEVEL, Recognition, RecognitionLevel, Revocation
from communes.models.units import (
    KIND_LEVEL,
    PARENT_LEVELS,
    Commune,
    District,
    Kind,
    Level,
    Province,
    ReorganisationEvent,
    Source,
    Unit,
    UnitChange,
    Village,
    period_within,
    periods_overlap,
)

__all__ = [
    "RECOGNITION_UNIT_LEVEL",
    "ROLE_AREA_LEVELS",
    "Assessment",
    "AssessmentTransition",
    "CriterionResult",
    "CriterionStatus",
    "IndicatorValue",
    "Officer",
    "Recognition",
    "RecognitionLevel",
    "Revocation",
    "Role",
    "KIND_LEVEL",
    "PARENT_LEVELS",
    "Classification",
    "Commune",
    "Confidence",
    "CriteriaSet",
    "Criterion",
    "District",
    "Indicator",
    "Kind",
    "Level",
    "Province",
    "ReorganisationEvent",
    "Source",
    "Threshold",
    "Unit",
    "UnitChange",
    "UnitClassification",
    "Village",
    "period_within",
    "periods_overlap",
]
