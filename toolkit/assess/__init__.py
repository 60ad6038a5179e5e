"""Stage 2 — rulebooks, rounds, measures, the assessment and its result types."""
