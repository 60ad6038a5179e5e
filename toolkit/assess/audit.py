"""Auditing rulebooks: is every rule referenced and dated, and what does a changed rule change?

``check_rulebooks(names=None, *, rounds=None, today=None) -> list[Finding]`` — loads each rulebook (the
shipped ones by default): a rule without a reference, a period that ends before it starts, a rounding
rule of an unknown kind, any mistake the loader refuses, is an **error** naming the file and key; a rule
whose check (``checked``) is older than a year, has no check date, or whose period (``in_force``) does
not cover a round (by default every round in ``data/rounds``) is a **warning**.

``diff_rulebooks(old, new, clients, *, round=2025) -> list[ClientDiff]`` — for a portfolio, the criteria
whose verdict changes when a notice changes a threshold: each client is assessed under both rulebooks
(provisionally, as ``clusterkit assess`` does) and the differences are listed per client.

Commands: ``clusterkit rulebook check [RULEBOOK…] [--round YEAR] [--today DATE]`` (exit 1 on an error)
and ``clusterkit rulebook diff OLD NEW CLIENT…`` (exit 1 when a client could not be read).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.core import formatting as fmt
from toolkit.core.errors import RulebookError, ToolkitError
from toolkit.assess.rounds import available_rounds, load_round
from toolkit.assess.rulebook import Rulebook, available_rulebooks, load_rulebook

STALE_AFTER = dt.timedelta(days=365)


@dataclass(frozen=True)
class Finding:
    rulebook: str  # the id or path asked for
    file: str
    key: str
    severity: str  # "error" | "warning"
    message: str

    def __str__(self) -> str:
        where = " › ".join(x for x in (self.file, self.key) if x)
        return f"{where}: {self.message}"


def _round_day(rnd) -> dt.date:
    return rnd.notice_date or dt.date(rnd.year, 1, 1)


def check_rulebook(rb: Rulebook, *, rounds: list | None = None, today: dt.date | None = None,
                   asked: str | None = None) -> list[Finding]:
    """Warnings for one loaded rulebook: stale or missing check dates, rounds outside a rule's period."""
    today = today or dt.date.today()
    rounds = [load_round(r) for r in (rounds if rounds is not None else available_rounds())]
    out = []
    name = asked or rb.id
    for c in rb.criteria:
        key = f"criteria › {c.id}"
        file = c.defined_in or rb.path.name
        ref = str(c.reference) if c.reference else "出处"
        if c.checked is None:
            out.append(Finding(name, file, f"{key} › checked", "warning",
                               f"未写核对日期：对照{ref}核对后写 checked: YYYY-MM-DD"))
        elif today - c.checked > STALE_AFTER:
            out.append(Finding(name, file, f"{key} › checked", "warning",
                               f"上次核对为{fmt.date_cn(c.checked)}，已超过一年：请对照{ref}重新核对，更新 checked"))
        for rnd in rounds:
            day = _round_day(rnd)
            if not c.in_force_on(day):
                start, end = c.in_force
                period = f"{start or '…'}—{end or '…'}"
                out.append(Finding(name, file, f"{key} › in_force", "warning",
                                   f"{rnd.label}（{fmt.date_cn(day)}）不在本规则的有效期（{period}）内：核实该年度适用的标准"))
    return out


def check_rulebooks(names=None, *, rounds: list | None = None, today: dt.date | None = None) -> list[Finding]:
    """Errors and warnings for each rulebook in ``names`` (ids or YAML paths; default: every shipped one)."""
    out = []
    for name in (list(names) if names else available_rulebooks()):
        try:
            rb = load_rulebook(name)
        except RulebookError as exc:
            out.append(Finding(str(name), exc.file, exc.key, "error", str(exc).split(": ", 1)[-1]))
            continue
        out.extend(check_rulebook(rb, rounds=rounds, today=today, asked=str(name)))
    return out


# -- diff over a portfolio ---------------------------------------------------------------------------

@dataclass
class Change:
    id: str
    title: str
    old: str  # verdict under the old rulebook ('' when the criterion is new)
    new: str  # '' when the new rulebook removed it
    old_standard: str = ""
    new_standard: str = ""
    value: str = ""


@dataclass
class ClientDiff:
    client: str
    folder: Path
    old_overall: str = ""
    new_overall: str = ""
    changes: list[Change] = field(default_factory=list)
    error: str = ""  # the client could not be read or assessed


def _standard(r) -> str:
    from toolkit.assess.measures import standard_text

    return "" if r is None else standard_text(r.operator, r.threshold, r.unit)


def diff_rulebooks(old, new, clients, *, round=None, western_relaxation: bool = False) -> list[ClientDiff]:
    """Per client, the criteria whose verdict differs between rulebook ``old`` and ``new``, in ``round``
    (None: each client's own round, the one its workbook's three years fit; ``schedule.choose_rounds``)."""
    from toolkit.assess.assessment import assess
    from toolkit.assess.schedule import choose_rounds
    from toolkit.intake.reader import read_partial

    rb_old, rb_new = load_rulebook(old), load_rulebook(new)
    out = []
    for folder in clients:
        folder = Path(folder)
        d = ClientDiff(folder.name, folder)
        try:
            client = read_partial(folder)
            rnd = choose_rounds(client.years, client.recommender or client.province, round, folder=str(folder)).data
            a = assess(client, rb_old, rnd, western_relaxation=western_relaxation)
            b = assess(client, rb_new, rnd, western_relaxation=western_relaxation)
        except ToolkitError as exc:
            d.error = str(exc)
            out.append(d)
            continue
        d.client = client.cluster_name or folder.name
        d.old_overall, d.new_overall = a.headline or a.overall, b.headline or b.overall
        ra, rb = {r.id: r for r in a.results}, {r.id: r for r in b.results}
        for cid in list(ra) + [c for c in rb if c not in ra]:
            x, y = ra.get(cid), rb.get(cid)
            if x is not None and y is not None and x.verdict == y.verdict:
                continue
            r = y or x
            value = ""
            if r.value is not None:
                value = fmt.with_unit(r.value, r.unit, 2)
            d.changes.append(Change(cid, r.title, x.verdict if x else "", y.verdict if y else "",
                                    _standard(x), _standard(y), value))
        out.append(d)
    return out


def format_diff(diffs: list[ClientDiff], old: str, new: str) -> str:
    lines = [f"规则库对比：{old} → {new}"]
    changed = 0
    for d in diffs:
        if d.error:
            lines.append(f"【{d.folder.name}】未能评估：{d.error}")
            continue
        head = f"【{d.client}】{d.old_overall}" + (f" → {d.new_overall}" if d.new_overall != d.old_overall else "（结论不变）")
        lines.append(head)
        if not d.changes:
            lines.append("  各条结论均不变")
            continue
        changed += 1
        for c in d.changes:
            old_v, new_v = c.old or "（旧规则库无此条）", c.new or "（新规则库已删除）"
            std = f"；标准 {c.old_standard or '—'} → {c.new_standard or '—'}" if c.old_standard != c.new_standard else ""
            val = f"；实际 {c.value}" if c.value else ""
            lines.append(f"  {c.id} {c.title}：{old_v} → {new_v}{std}{val}")
    lines.append(f"共 {len(diffs)} 个客户，{changed} 个客户有结论变化。")
    return "\n".join(lines)
