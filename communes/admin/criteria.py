"""Admin for criteria sets, criteria, indicators, thresholds and classifications."""
