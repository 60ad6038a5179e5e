"""Stage 5 — the province decision (decision), the province tables (tables) and briefing, reference data."""
