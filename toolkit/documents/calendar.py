"""The plan as a calendar (RFC 5545 ``.ics``) a consultant imports into Outlook or WPS.

``write_calendar(events, path, name=…)`` writes one all-day event per dated milestone or task, with a
reminder three days before; each event's UID is derived from the client and the task, so importing a
re-run updates the events instead of doubling them. ``icalendar`` writes the file (escaping, line
folding and CRLF as the standard requires); ``read_calendar`` parses one back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from toolkit.core.atomic import atomic_path

PRODID = "-//clusterkit//集群申报工具箱//ZH"


@dataclass(frozen=True)
class Event:
    date: dt.date
    summary: str            # e.g. 提交：集群三年发展规划
    description: str = ""   # who provides it, what it is for
    key: str = ""           # a stable identity within the plan (defaults to the summary)


def _uid(calendar_key: str, event: Event) -> str:
    digest = hashlib.sha256(f"{calendar_key}\0{event.key or event.summary}".encode("utf-8")).hexdigest()[:24]
    return f"{digest}@clusterkit"


def build_calendar(events: list[Event], *, name: str, key: str, stamp: dt.datetime | None = None):
    from icalendar import Alarm, Calendar
    from icalendar import Event as IEvent

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    stamp = stamp or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    for e in events:
        ev = IEvent()
        ev.add("uid", _uid(key, e))
        ev.add("dtstamp", stamp)
        ev.add("dtstart", e.date)
        ev.add("dtend", e.date + dt.timedelta(days=1))
        ev.add("summary", e.summary)
        if e.description:
            ev.add("description", e.description)
        ev.add("transp", "TRANSPARENT")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", e.summary)
        alarm.add("trigger", dt.timedelta(days=-3))
        ev.add_component(alarm)
        cal.add_component(ev)
    return cal


def write_calendar(events: list[Event], path: Path | str, *, name: str, key: str) -> Path:
    path = Path(path)
    data = build_calendar(events, name=name, key=key).to_ical()
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(data)
    return path


def read_calendar(path: Path | str) -> list[Event]:
    """The events of an .ics file, as ``Event`` (for tests and for checking what was written)."""
    from icalendar import Calendar

    cal = Calendar.from_ical(Path(path).read_bytes())
    out = []
    for comp in cal.walk("VEVENT"):
        start = comp.decoded("dtstart")
        out.append(Event(start if isinstance(start, dt.date) else start.date(), str(comp.get("summary")),
                         str(comp.get("description", "")), str(comp.get("uid"))))
    return out
