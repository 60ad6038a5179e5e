"""Stage 6 — the batch: notebook execution, resume, the fork server."""
