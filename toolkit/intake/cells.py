"""Step 1 of reading a workbook: turn one cell's raw value into a typed value, or say why not.

Each ``parse_*`` function takes the raw value openpyxl gives (str, int, float, bool, datetime, None)
and returns a ``Parsed``: the value, plus an error or a warning in Chinese (message and fix). Nothing
here raises on bad input; the reader (``toolkit.intake.reader``) turns the messages into ``Problem``s with
the file, sheet and cell.

Accepted: numbers with 亿/万/元 units or %, thousands separators, full-width digits and punctuation
(NFKC), stray spaces; "N/A", "无", "-" and the like mean blank. A number typed in a unit other than
the header's (``5000万`` in a 亿元 column) is converted, with a warning.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from toolkit.intake import credit_code

# Text meaning "nothing here".
BLANK_TOKENS = {"", "N/A", "NA", "N.A.", "#N/A", "无", "暂无", "没有", "-", "--", "—", "——", "/", "\\",
                "NULL", "NONE", "空", "不适用"}
_HEDGES = ("约", "大约", "大概", "近", "超", "超过", "逾", "左右", "余", "多", "以上", "以下", "不到", "不足", "～", "~")

# Multiplier of each money unit in 元.
_MONEY = {"亿元": 1e8, "亿": 1e8, "万元": 1e4, "万": 1e4, "元": 1.0}
_NUMBER_RE = re.compile(r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)(亿元|亿|万元|万|元|%)?$")
_ANY_NUMBER_RE = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")  # 1e5 as Excel shows 1E+05
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
YES = {"是", "Y", "YES", "TRUE", "有", "√", "✓", "1"}
NO = {"否", "N", "NO", "FALSE", "×", "✗", "0"}


@dataclass(frozen=True)
class Parsed:
    value: Any = None
    error: str | None = None  # message; the cell's raw value is shown beside it
    fix: str = ""
    warning: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def clean_text(raw: Any) -> str:
    """NFKC (full-width → half-width), no leading/trailing/inner stray spaces at the ends."""
    text = unicodedata.normalize("NFKC", str(raw))
    text = text.replace("\u200b", "").replace("\ufeff", "")
    return text.strip()


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return clean_text(raw).upper().replace(" ", "") in BLANK_TOKENS
    return False


def fmt(x: float) -> str:
    """A number as a person would write it in the cell: no trailing zeros, no exponent."""
    if abs(x - round(x)) < 1e-9:
        return str(int(round(x)))
    return f"{x:.6f}".rstrip("0").rstrip(".")


def _convert(number: float, typed: str | None, header_unit: str | None) -> tuple[float | None, str | None]:
    """Convert ``number typed`` to ``header_unit``. Returns (value, warning) or (None, error-ish)."""
    if not typed:
        return number, None
    hu = (header_unit or "").strip()
    if typed == "%":
        if hu == "%":
            return number, None
        return None, "带有“%”，但本栏单位是“" + (hu or "无") + "”"
    if hu in ("亿元", "万元", "元"):
        if typed in (hu, hu.rstrip("元")):  # 12亿 in a 亿元 column
            return number, None
        value = number * _MONEY[typed] / _MONEY[hu]
        return value, f"按{typed}换算为{fmt(value)}{hu}（表头单位是{hu}）"
    return None, f"带有单位“{typed}”，但本栏单位是“{hu or '无'}”"


def _suggest(text: str, header_unit: str | None) -> str:
    """What to write instead of ``text`` (e.g. "约12亿" → "填写 12，单位“亿元”已在表头")."""
    t = text.replace(",", "")
    m = _ANY_NUMBER_RE.search(t)
    unit_note = f"，单位“{header_unit}”已在表头" if header_unit else ""
    if not m:
        return "只填写数字" + unit_note + "；没有数据请留空"
    number = float(m.group())
    if not math.isfinite(number):
        return "只填写数字" + unit_note
    rest = t[m.end():]
    for u in ("亿元", "亿", "万元", "万", "元"):
        if rest.startswith(u) and header_unit in ("亿元", "万元", "元"):
            number = number * _MONEY[u] / _MONEY[header_unit]
            break
    return f"填写 {fmt(number)}{unit_note}"


def parse_number(raw: Any, unit: str | None = None, *, percent_format: bool = False,
                 integer: bool = False) -> Parsed:
    """A number in the header's ``unit``. ``percent_format``: the cell is formatted as % in Excel
    (then 0.264 means 26.4%)."""
    if raw is None:
        return Parsed(None)
    if isinstance(raw, bool):
        return Parsed(error="是逻辑值（TRUE/FALSE），不是数字", fix=f"填写数字{_unit_hint(unit)}")
    if isinstance(raw, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        return Parsed(error="是日期，不是数字（单元格可能被设成了日期格式）",
                      fix=f"把单元格格式改为“常规”或“数值”，再填写数字{_unit_hint(unit)}")
    if isinstance(raw, (int, float)):
        try:
            x = float(raw)
        except OverflowError:
            x = math.inf
        if math.isnan(x) or math.isinf(x):
            return Parsed(error="不是有效数字", fix=f"填写数字{_unit_hint(unit)}")
        if unit == "%" and percent_format:
            x *= 100
        return _integer_check(x, integer, unit)
    text = clean_text(raw)
    if is_blank(text):
        return Parsed(None)
    if text.startswith("#"):  # Excel error values: #DIV/0!, #REF!, #VALUE! …
        return Parsed(error="是 Excel 错误值", fix="修正公式或直接填写数字")
    if text.startswith("="):  # a formula typed into a text-formatted cell: Excel never computed it
        return Parsed(error="是公式的文字，没有计算（单元格是文本格式）",
                      fix=f"把单元格格式改为“常规”后重新输入公式，或直接填写数字{_unit_hint(unit)}")
    compact = text.replace(" ", "").replace("\u3000", "")
    compact = _THOUSANDS_RE.sub("", compact)
    if unit and compact.endswith(unit) and unit not in ("%",) and unit not in _MONEY:
        compact = compact[: -len(unit)]  # "412家" in a 家 column
    m = _NUMBER_RE.match(compact)
    if not m:
        if compact.startswith(_HEDGES) or compact.endswith(_HEDGES):
            return Parsed(error="不是数字", fix=_suggest(compact, unit))
        return Parsed(error="不是数字", fix=_suggest(compact, unit))
    sign, digits, typed = m.groups()
    number = float(digits) * (-1 if sign == "-" else 1)
    if not math.isfinite(number):
        return Parsed(error="不是有效数字", fix=f"填写数字{_unit_hint(unit)}")
    value, note = _convert(number, typed, unit)
    if value is None:
        return Parsed(error=note, fix=f"只填写数字{_unit_hint(unit)}")
    parsed = _integer_check(value, integer, unit)
    if parsed.ok and note:
        return Parsed(parsed.value, warning=note)
    return parsed


def _unit_hint(unit: str | None) -> str:
    return f"，单位“{unit}”已在表头" if unit else ""


def _integer_check(x: float, integer: bool, unit: str | None) -> Parsed:
    if integer:
        if abs(x - round(x)) > 1e-9:
            return Parsed(error="应为整数", fix=f"填写整数{_unit_hint(unit)}")
        return Parsed(int(round(x)))
    return Parsed(x)


def parse_year(raw: Any) -> Parsed:
    if raw is None:
        return Parsed(None)
    if isinstance(raw, (dt.datetime, dt.date)):
        return Parsed(raw.year, warning=f"是日期，已取其年份 {raw.year}")
    if isinstance(raw, bool):
        return Parsed(error="不是年份", fix="填写四位年份，如 2024")
    if isinstance(raw, (int, float)):
        try:
            x = float(raw)
        except OverflowError:
            x = math.inf
        if math.isfinite(x) and x == int(x) and 1990 <= x <= 2100:
            return Parsed(int(x))
        return Parsed(error="不是年份", fix="填写四位年份，如 2024")
    text = clean_text(raw).replace(" ", "")
    if is_blank(text):
        return Parsed(None)
    m = re.fullmatch(r"(\d{4})(年(度)?)?", text)
    if m and 1990 <= int(m.group(1)) <= 2100:
        return Parsed(int(m.group(1)))
    return Parsed(error="不是年份", fix="填写四位年份，如 2024")


def parse_text(raw: Any) -> Parsed:
    if raw is None:
        return Parsed(None)
    if isinstance(raw, bool):
        return Parsed("是" if raw else "否")
    if isinstance(raw, float) and raw.is_integer():
        return Parsed(str(int(raw)))
    if isinstance(raw, (dt.datetime, dt.date)):
        return Parsed(raw.isoformat()[:10])
    # Names keep their own characters (official names use full-width brackets); only blank space goes.
    text = str(raw).replace("\u200b", "").replace("\ufeff", "")
    text = re.sub(r"\s+", " ", text).strip()
    if is_blank(text):
        return Parsed(None)
    return Parsed(text)


def parse_choice(raw: Any, allowed: list[str]) -> Parsed:
    if raw is None:
        return Parsed(None)
    if isinstance(raw, bool) and set(allowed) >= {"是", "否"}:
        return Parsed("是" if raw else "否")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = clean_text(raw).replace(" ", "")
    if is_blank(text) and text not in allowed:
        return Parsed(None)
    if text in allowed:
        return Parsed(text)
    norm = {clean_text(a).replace(" ", ""): a for a in allowed}
    if text in norm:
        return Parsed(norm[text])
    if text.endswith(("年", "年度")) and text.rstrip("年度") in norm:  # 2022年 for 2022
        return Parsed(norm[text.rstrip("年度")])
    if set(allowed) >= {"是", "否"}:
        up = text.upper()
        if up in YES:
            return Parsed("是", warning="已按“是”读取")
        if up in NO:
            return Parsed("否", warning="已按“否”读取")
    # A province typed without its suffix: 浙江 → 浙江省.
    starts = [a for a in allowed if len(text) >= 2 and a.startswith(text)]
    if len(starts) == 1:
        return Parsed(starts[0], warning=f"已按“{starts[0]}”读取")
    shown = "、".join(allowed) if len(allowed) <= 8 else "下拉列表中的一项"
    return Parsed(error="不是可选的值", fix=f"从下拉列表中选择：{shown}")


def parse_credit_code(raw: Any) -> Parsed:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return Parsed(error="被 Excel 当作数字保存，18位代码的末几位可能已经丢失",
                      fix="把该列单元格格式设为“文本”，再按营业执照重新输入代码")
    parsed = parse_text(raw)
    if parsed.value is None:
        return parsed
    code = credit_code.normalize(parsed.value)
    wrong = credit_code.problem(code)
    if wrong:
        return Parsed(code, error=f"不是有效的统一社会信用代码：{wrong}",
                      fix="按营业执照核对18位代码（可在国家企业信用信息公示系统查询）")
    return Parsed(code)


def parse(raw: Any, spec: dict, allowed: list[str] | None = None, *, percent_format: bool = False) -> Parsed:
    """Parse ``raw`` as the schema column/field/row ``spec`` says (type, unit, choices)."""
    kind = spec.get("type", "text")
    if kind in ("number", "percent", "integer"):
        unit = spec.get("unit") or ("%" if kind == "percent" else None)
        return parse_number(raw, unit, percent_format=percent_format, integer=kind == "integer")
    if kind == "year":
        return parse_year(raw)
    if kind == "choice":
        return parse_choice(raw, allowed or [])
    if kind == "credit_code":
        return parse_credit_code(raw)
    return parse_text(raw)
