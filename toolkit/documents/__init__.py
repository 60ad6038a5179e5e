"""Stage 3 — narrative, forms, memo and proposal, charts, rendering, template check."""
