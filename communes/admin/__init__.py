"""Admin, one module per concern: units, reorganisations, criteria sets, officers, assessments, recognitions."""

from communes.admin import access, assessments, criteria, units  # noqa: F401  (registers the ModelAdmins)
