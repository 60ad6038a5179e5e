"""How long drawing all charts for one client takes once imported (budget: 1 s per client).

Run by hand (``make bench``), never by CI. Reads and assesses the demo clients first (intake's and
assessment's cost, not the charts'), then times ``draw_client_charts`` per client: the first draw in
the process (fonts loaded, caches cold) and the median of repeated draws, each with its ratio to 1 s.
Every draw writes 4 charts (5 for a review) as PNG at 200 dpi and as SVG.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolkit.assess.assessment import assess  # noqa: E402
from toolkit.documents.charts import draw_client_charts  # noqa: E402
from toolkit.intake.reader import read_client  # noqa: E402
from toolkit.core.paths import examples_dir  # noqa: E402

BUDGET = 1.0  # seconds for all charts of one client
REPS = 5


def main() -> int:
    folders = [p for p in sorted((examples_dir() / "clients").iterdir()) if (p / "intake.xlsx").exists()]
    if not folders:
        print("no demo clients under data/examples/clients/")
        return 1
    pairs = [(c, assess(c, round=2025)) for c in (read_client(p) for p in folders)]
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-charts-") as tmp:
        out = Path(tmp)
        start = time.perf_counter()
        draw_client_charts(*pairs[0], out / "first")
        first = time.perf_counter() - start
        print(f"first draw in the process ({pairs[0][0].id}, fonts loaded): {first:.3f} s, "
              f"ratio to the {BUDGET:g} s budget: {first / BUDGET:.2f}")
        for client, assessment in pairs:
            times, cpu = [], []
            for i in range(REPS):
                start, start_cpu = time.perf_counter(), time.process_time()
                files = draw_client_charts(client, assessment, out / f"{client.id}-{i}")
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            med = statistics.median(times)
            worst = max(worst, med)
            print(f"{client.id:<10} {len(files)} charts (PNG 200 dpi + SVG): median {med:.3f} s of {REPS}, "
                  f"ratio to budget {med / BUDGET:.2f} (CPU {statistics.median(cpu):.3f} s: on a busy machine "
                  "the wall time exceeds it)")
    print(f"worst client: {worst:.3f} s, ratio {worst / BUDGET:.2f} ({'within' if worst <= BUDGET else 'OVER'} budget)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
