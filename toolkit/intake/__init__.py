"""Stage 1 — the county's workbook: schema, reader, cell parsing, the blank workbook."""
