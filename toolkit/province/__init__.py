"""Stage 5 — reading packages, the province decision, the province tables, reference data."""
