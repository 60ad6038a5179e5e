"""Fuzz the intake reader with hostile workbooks, by hand (CI runs a few hundred of the same cases):

    .venv/bin/python bench/fuzz_intake.py --cases 5000 [--seed N] [--kind all|workbook|damage|evidence]

The cases come from the generators in ``tests/workbook_fuzz.py`` (cell values, merges, hyperlink
ranges, sheet edits, extra rows, zip damage, evidence paths with symlinks and a hard link). Each is
read with ``check_workbook`` and ``read_client`` and its annotated copy written; the script prints how
many cases raised something other than ``ToolkitError``, changed an input byte, left a cell problem
without its cell, wrote a live formula, or accepted an evidence file outside the client folder — and
how long they took. The first failures of each kind are printed in full with their case.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hypothesis import HealthCheck, Phase, given, seed, settings, strategies as st  # noqa: E402

import workbook_fuzz as wf  # noqa: E402

KINDS = {
    "workbook": lambda: wf.cases(evidence=False, damage=False, any_size=True),
    "damage": lambda: wf.cases(evidence=False).map(
        lambda c: wf.Case(client=c.client, damage=c.damage or [("flip", 0.5, 1)])),
    "evidence": wf.evidence_cases,
    "all": lambda: st.one_of(wf.cases(any_size=True), wf.evidence_cases()),
}
CHECKS = [("uncaught", "uncaught exceptions"), ("changed", "input files changed"),
          ("unnamed", "cell problems without their cell"), ("formulas", "live formulas in written xlsx"),
          ("escaped", "escaped files (accepted evidence outside the client folder)")]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kind", choices=list(KINDS), default="all")
    ap.add_argument("--show", type=int, default=2, help="failures of each kind to print in full")
    args = ap.parse_args(argv)

    counts = collections.Counter()
    shown = collections.Counter()
    times: list[float] = []
    slowest = (0.0, None)
    started = time.perf_counter()

    @seed(args.seed)
    @settings(max_examples=args.cases, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(KINDS[args.kind]())
    def one(case):
        nonlocal slowest
        out = wf.run_case(case)
        counts["cases"] += 1
        counts["refused"] += out.refused
        times.append(out.seconds)
        if out.seconds > slowest[0]:
            slowest = (out.seconds, case)
        for key, _ in CHECKS:
            found = getattr(out, key)
            if found:
                counts[key] += 1
                if shown[key] < args.show:
                    shown[key] += 1
                    print(f"--- {key}: {case}\n    " + "\n    ".join(map(str, found[:3])), flush=True)
        if counts["cases"] % 250 == 0:
            print(f"… {counts['cases']} cases, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)

    one()
    total = time.perf_counter() - started
    print(f"\ncases: {counts['cases']} ({args.kind}, seed {args.seed})")
    for key, label in CHECKS:
        print(f"{label}: {counts[key]}")
    print(f"refused before loading (too large): {counts['refused']}")
    if times:
        print(f"time: {total:.0f} s in all; per case median {statistics.median(times):.2f} s, "
              f"max {max(times):.2f} s")
        print(f"slowest case: {slowest[1]}")
    return 1 if any(counts[k] for k, _ in CHECKS) else 0


if __name__ == "__main__":
    sys.exit(main())
