"""Shared infrastructure: paths, atomic writes, naming, errors, fonts, formatting, hashing, today's date (clock)."""
