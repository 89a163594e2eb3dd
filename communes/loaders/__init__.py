"""Loaders: services that fill the database from shipped data files and packages."""
