"""Numbers in the style of Chinese official documents: 43.6亿元, 1,250万元, 同比增长12.4%.

Never print a raw float: every number that reaches a reader goes through one of these.
"""

from __future__ import annotations

import math
import re

MISSING = "—"


def _is_missing(x) -> bool:
    return x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x)))


def number(x, digits: int = 1, *, thousands: bool = True) -> str:
    """12.345 → '12.3'; 1234567 → '1,234,567'; integers keep no decimals; None → '—'."""
    if _is_missing(x):
        return MISSING
    x = float(x)
    if digits == 0 or (abs(x - round(x)) < 1e-9 and abs(x) >= 1):
        text = f"{round(x):,}" if thousands else f"{round(x)}"
    else:
        text = f"{x:,.{digits}f}" if thousands else f"{x:.{digits}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def yi(x, digits: int = 1) -> str:
    """Money in 亿元: 43.62 → '43.6亿元'."""
    return MISSING if _is_missing(x) else f"{number(x, digits)}亿元"


def wan(x, digits: int = 0) -> str:
    """Money in 万元: 1250 → '1,250万元'."""
    return MISSING if _is_missing(x) else f"{number(x, digits)}万元"


def percent(x, digits: int = 1) -> str:
    """A share already in percent: 72.35 → '72.4%'."""
    return MISSING if _is_missing(x) else f"{number(x, digits, thousands=False)}%"


def points(x, digits: int = 1) -> str:
    """A difference of shares: 4.1 → '4.1个百分点'."""
    return MISSING if _is_missing(x) else f"{number(abs(x), digits, thousands=False)}个百分点"


def growth(x, digits: int = 1, *, kind: str = "同比") -> str:
    """A growth rate in percent: 12.4 → '同比增长12.4%', -3 → '同比下降3%'."""
    if _is_missing(x):
        return MISSING
    verb = "增长" if x >= 0 else "下降"
    return f"{kind}{verb}{number(abs(x), digits, thousands=False)}%"


AREA_UNITS = ("km²", "km2", "平方千米", "平方公里")
COUNT_UNITS = ("家", "项", "件", "个", "人")


def with_unit(x, unit: str, digits: int = 1) -> str:
    """A value in a rulebook or workbook unit, as official text writes it: 43.6亿元, 1,250万元, 72.4%,
    96平方公里 (for km²), 12家 (counts without decimals), 3.7万人 (people from ten thousand)."""
    if _is_missing(x):
        return MISSING
    if unit in AREA_UNITS:
        unit = "平方公里"
    if unit == "人" and abs(x) >= 10000:
        return f"{number(x / 10000, 1)}万人"
    if unit in COUNT_UNITS:
        return f"{number(x, 0)}{unit}"
    if unit == "亿元":
        return yi(x, digits)
    if unit == "万元":
        return wan(x, digits)
    if unit in ("%", "％"):
        return percent(x, digits)
    if unit in ("个百分点",):
        return points(x, digits)
    return f"{number(x, digits)}{unit}"


def date_cn(d) -> str:
    """A date as 2025年7月15日."""
    return f"{d.year}年{d.month}月{d.day}日"


def parse_date(value, what: str = "--today"):
    """A date a person typed: 2025-05-10, 2025/5/10, 2025.5.10, 2025年5月10日 or 20250510 → ``date``.
    ``None`` stays ``None``; anything else raises a ``ToolkitError`` naming ``what`` and the form to use."""
    import datetime as dt
    import re

    from toolkit.core.errors import ToolkitError

    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    try:
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        pass
    raise ToolkitError(f"{what} “{text}”不是有效日期：请写成 YYYY-MM-DD，如 {what} 2025-05-10")


def text_of(x) -> str:
    """A person's text for a sentence: '' for blank, NaN, 'nan', 'None' and 'null'."""
    if x is None:
        return ""
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return ""
    # Line breaks typed inside a cell join up, as the lines of a paragraph do: a sentence never
    # starts a new paragraph because of what a county typed.
    s = re.sub(r"\s*[\r\n\u2028\u2029]+\s*", "", str(x)).strip()
    return "" if s.lower() in ("none", "nan", "null") else s


def row_numbers(values, digits: int = 1, *, thousands: bool = True) -> list[str]:
    """The numbers of one table row at one precision: [9, 10.5, 12] → ['9.0', '10.5', '12.0'] (the
    decimals the most precise of them needs, at most ``digits``); a missing value is ''."""
    shown = [None if _is_missing(x) else number(x, digits, thousands=thousands) for x in values]
    decimals = max((len(t.split(".", 1)[1]) for t in shown if t and "." in t), default=0)
    out = []
    for x, t in zip(values, shown):
        if t is None:
            out.append("")
        elif decimals == 0:
            out.append(t)
        else:
            out.append(f"{float(x):,.{decimals}f}" if thousands else f"{float(x):.{decimals}f}")
    return out
