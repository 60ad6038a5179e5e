"""The plan as an .ics calendar: it parses back with the same dates, and a re-run keeps the UIDs."""

from __future__ import annotations

import datetime as dt

from toolkit.documents.calendar import Event, build_calendar, read_calendar, write_calendar


def test_the_calendar_parses_back_with_every_date(tmp_path):
    events = [Event(dt.date(2027, 5, 10), "提交：集群三年发展规划（县发展改革局）", "用于附件1第三部分"),
              Event(dt.date(2027, 7, 15), "报送截止（预计）", key="deadline"),
              Event(dt.date(2027, 6, 1), "材料 & “引号” ; 逗号, 换行\n第二行")]
    path = write_calendar(events, tmp_path / "plan.ics", name="林泉县 申报计划", key="linquan")
    raw = path.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and b"VERSION:2.0" in raw and b"BEGIN:VALARM" in raw
    back = read_calendar(path)
    assert [(e.date, e.summary) for e in back] == [(e.date, e.summary) for e in events]
    assert back[0].description == "用于附件1第三部分"


def test_uids_are_stable_across_runs_and_distinct_between_clients():
    events = [Event(dt.date(2027, 5, 10), "提交：规划")]
    a = build_calendar(events, name="x", key="linquan").walk("VEVENT")[0]["uid"]
    b = build_calendar(events, name="x", key="linquan").walk("VEVENT")[0]["uid"]
    c = build_calendar(events, name="x", key="minshan").walk("VEVENT")[0]["uid"]
    assert a == b != c
