"""Stage 4 — a client's package, written completely or not at all (writer), and its record read back (manifest)."""
