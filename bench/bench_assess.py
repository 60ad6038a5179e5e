"""How long one assessment takes once the package is imported (budget: 0.1 s per client).

Run by hand (``make bench``), never by CI. Reads the demo clients once (reading a workbook is
intake's cost, not the assessment's), then times ``assess()`` over many repetitions in one run and
prints the time per assessment and its ratio to the budget.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolkit.assess.assessment import assess  # noqa: E402
from toolkit.intake.reader import read_client  # noqa: E402
from toolkit.core.paths import examples_dir  # noqa: E402

BUDGET = 0.1  # seconds per assessment


def main() -> int:
    clients = [read_client(p) for p in sorted((examples_dir() / "clients").iterdir()) if (p / "intake.xlsx").exists()]
    if not clients:
        print("no demo clients under data/examples/clients/")
        return 1
    # the first assessment reads the rulebook and round files (cached afterwards)
    start = time.perf_counter()
    assess(clients[0], round=2025)
    cold = time.perf_counter() - start
    for c in clients:
        assess(c, round=2025)
    reps = 50
    start = time.perf_counter()
    for _ in range(reps):
        for c in clients:
            assess(c, round=2025)
    per = (time.perf_counter() - start) / (reps * len(clients))
    print(f"assess(): {per * 1000:.2f} ms per assessment over {reps * len(clients)} runs "
          f"({len(clients)} demo clients); ratio to the {BUDGET:g} s budget: {per / BUDGET:.3f}")
    print(f"first assessment, reading rulebook and round files: {cold * 1000:.1f} ms (ratio {cold / BUDGET:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
