"""Spreadsheet imports: read a staff-prepared file, validate every row, then hand it to a service."""
