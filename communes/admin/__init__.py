"""Admin for units, reorganisations and criteria sets, one module per concern."""

from communes.admin import criteria, units  # noqa: F401  (registers the ModelAdmins)
