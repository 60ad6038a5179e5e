"""Shared infrastructure: paths, atomic writes, naming, errors, fonts, formatting."""
