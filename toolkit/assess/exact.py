"""Exact arithmetic for the rules: values as typed, comparisons without tolerance, rounding on request.

A county on the line must be judged on the line. Binary floats are not: 11.1 ÷ 14.8 is exactly 75%
but computes as 74.99999999999999, and 33.2 → 40.172 over two years is exactly 10% a year but computes
as 9.999999999999986%. So every measure is computed here from the values **as typed** (the float
openpyxl reads for the cell ``11.1`` is taken back to the decimal 11.1 by its shortest repr), with
``fractions.Fraction``:

* ``exact(x)`` — a cell value or a rulebook threshold as an exact rational (None when not a number);
* ``Root`` — a compound growth rate ``((末 ÷ 首)^(1/n) − 1) × 100`` that is not rational, compared
  exactly by raising the other side to the n-th power (``cagr`` returns a Fraction whenever the root
  is rational, as 1.21^(1/2) = 1.1 is);
* ``compare(x, operator, threshold)`` — the one comparison of a value with a threshold;
* ``apply_rounding(x, rule)`` — a criterion's declared rounding rule (``rounding: {kind, digits}``,
  kinds in ``ROUNDING_KINDS``), applied before the comparison and written in the trace;
* ``decimal_text(x)`` / ``shown(x, digits, against=…)`` — what a reader sees: the exact value when it
  terminates, else a rounded one; display rounding never decides a verdict, and a shown value never
  reads the same as the threshold it fails (or passes) against — more digits are shown instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Union

# How a criterion may round its measure before comparing (rulebook ``rounding: {kind, digits}``).
ROUNDING_KINDS: dict[str, str] = {
    "half_up": "四舍五入",
    "half_even": "四舍六入五成双",
    "down": "舍去（向零截断）",
    "up": "进一（远离零）",
}

OPERATOR_SIGNS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}


@dataclass(frozen=True)
class Root:
    """``((ratio)^(1/n) − 1) × 100`` for a positive rational ``ratio`` that has no rational n-th root."""

    ratio: Fraction
    n: int

    def __float__(self) -> float:
        return (float(self.ratio) ** (1 / self.n) - 1) * 100

    def cmp(self, q: Fraction) -> int:
        """The sign of ``self − q``, exactly."""
        base = 1 + q / 100
        if base <= 0:
            return 1  # a root of a positive number is positive: the rate is above −100%
        rhs = base ** self.n
        return (self.ratio > rhs) - (self.ratio < rhs)


Number = Union[Fraction, Root]


def exact(x) -> Fraction | None:
    """``x`` as an exact rational, reading a float by its shortest repr (the decimal that was typed)."""
    if x is None or isinstance(x, bool):
        return None
    if isinstance(x, Fraction):
        return x
    if isinstance(x, int):
        return Fraction(x)
    if isinstance(x, Decimal):
        return Fraction(x) if x.is_finite() else None
    if isinstance(x, float):
        if math.isnan(x) or math.isinf(x):
            return None
        return Fraction(Decimal(repr(x)))
    if isinstance(x, str):
        try:
            d = Decimal(x.strip().replace(",", ""))
        except InvalidOperation:
            return None
        return Fraction(d) if d.is_finite() else None
    try:
        return exact(float(x))
    except (TypeError, ValueError):
        return None


def cmp(x: Number, q) -> int:
    """The sign of ``x − q`` (``q`` any number ``exact`` reads)."""
    q = exact(q) if not isinstance(q, Fraction) else q
    if isinstance(x, Root):
        return x.cmp(q)
    x = exact(x) if not isinstance(x, Fraction) else x
    return (x > q) - (x < q)


def compare(x: Number, operator: str, threshold) -> bool:
    """``x operator threshold``, exactly: the one comparison every verdict uses."""
    s = cmp(x, threshold)
    if operator == ">=":
        return s >= 0
    if operator == ">":
        return s > 0
    if operator == "<=":
        return s <= 0
    if operator == "<":
        return s < 0
    if operator == "==":
        return s == 0
    raise ValueError(operator)


def strict(operator: str | None) -> bool:
    return operator in (">", "<")


def higher_passes(operator: str | None) -> bool:
    """Whether a larger value is closer to passing (≥, >) rather than a smaller one (≤, <)."""
    return operator in (">=", ">", "==")


def as_float(x) -> float | None:
    if x is None:
        return None
    return float(x)


def _root_of(q: Fraction, n: int) -> Fraction | None:
    """The rational n-th root of a positive rational, when it has one."""
    def iroot(k: int) -> int | None:
        if k < 0:
            return None
        if k < 2:
            return k
        x = 1 << -(-k.bit_length() // n)  # ≥ the root
        while True:  # integer Newton: decreases to floor(k^(1/n))
            y = ((n - 1) * x + k // x ** (n - 1)) // n
            if y >= x:
                break
            x = y
        return x if x ** n == k else None
    a, b = iroot(q.numerator), iroot(q.denominator)
    return Fraction(a, b) if a is not None and b else None


def cagr(first: Fraction, last: Fraction, periods: int) -> Number:
    """Compound annual growth in percent over ``periods`` years: a Fraction when exact, else a Root."""
    ratio = last / first
    root = _root_of(ratio, periods) if ratio > 0 else None
    if root is not None:
        return (root - 1) * 100
    return Root(ratio, periods)


def floor_div(x: Number, step: Fraction) -> int:
    """``floor(x ÷ step)``, exactly (for a Root, by comparing at the candidates)."""
    if isinstance(x, Fraction):
        return math.floor(x / step)
    m = math.floor(float(x) / float(step))
    while cmp(x, (m + 1) * step) >= 0:
        m += 1
    while cmp(x, m * step) < 0:
        m -= 1
    return m


def round_to(x: Number, digits: int, kind: str = "half_up") -> Fraction:
    """``x`` rounded to ``digits`` decimals by ``kind`` (one of ROUNDING_KINDS), exactly."""
    step = Fraction(1, 10 ** digits) if digits >= 0 else Fraction(10 ** -digits)
    m = floor_div(x, step)
    low, high = m * step, (m + 1) * step
    if cmp(x, low) == 0:
        return low
    negative = cmp(x, 0) < 0
    if kind == "down":
        return high if negative else low
    if kind == "up":
        return low if negative else high
    half = cmp(x, low + step / 2)
    if half < 0:
        return low
    if half > 0:
        return high
    if kind == "half_even":
        return low if m % 2 == 0 else high
    return low if negative else high  # half_up: half away from zero


def apply_rounding(x: Number, rule: dict | None) -> Number:
    """A criterion's rounding rule ``{kind, digits}`` applied to ``x`` (unchanged without one)."""
    if not rule:
        return x
    return round_to(x, int(rule.get("digits", 0)), str(rule.get("kind", "half_up")))


def rounding_text(rule: dict | None) -> str:
    """e.g. 按四舍五入保留1位小数后比较."""
    if not rule:
        return ""
    digits = int(rule.get("digits", 0))
    what = f"保留{digits}位小数" if digits > 0 else "取整" if digits == 0 else f"取整到{10 ** -digits}"
    return f"按{ROUNDING_KINDS.get(rule.get('kind', 'half_up'), rule.get('kind'))}{what}后比较"


def _terminates(q: Fraction) -> bool:
    d = q.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def decimal_text(x: Number, digits: int = 10) -> str:
    """The exact value as a decimal when it terminates (75, 9.5, 0.125); else ``digits`` decimals and
    '…' (75.7575757576…). No exponent, no thousands separator: for traces."""
    if isinstance(x, Fraction) and _terminates(x):
        d = Decimal(x.numerator) / Decimal(x.denominator)
        text = format(d.normalize(), "f") if d != 0 else "0"
        return text
    r = round_to(x, digits, "half_up")
    d = (Decimal(r.numerator) / Decimal(r.denominator)).quantize(Decimal(1).scaleb(-digits))
    return format(d, "f").rstrip("0").rstrip(".") + "…"


def shown(x: Number, digits: int = 2, against=None, *, max_digits: int = 8) -> Decimal:
    """``x`` rounded half-up for display, as a Decimal to hand to ``toolkit.core.formatting``.

    When ``against`` (the threshold) is given and ``x`` differs from it, more digits are used until
    the shown value differs from the threshold too: 69.996 against 70 shows 69.996, never "70"."""
    t = exact(against) if against is not None else None
    d = digits
    while True:
        r = round_to(x, d, "half_up")
        if t is None or cmp(x, t) == 0 or r != t or d >= max_digits:
            break
        d += 1
    return Decimal(r.numerator) / Decimal(r.denominator)


def shown_digits(x: Number, digits: int = 2, against=None, *, max_digits: int = 8) -> int:
    """How many decimals ``shown`` used (at least ``digits``)."""
    t = exact(against) if against is not None else None
    d = digits
    while t is not None and cmp(x, t) != 0 and d < max_digits and round_to(x, d, "half_up") == t:
        d += 1
    return d


def smallest_step_passing(gap: Fraction, step: Fraction, strict_bound: bool) -> Fraction:
    """The smallest multiple of ``step`` that covers ``gap`` (a shortfall ≥ 0): at least the gap for a
    ≥ bound, more than it for a > bound — so a strict bound never asks for 0 and never says '以上'."""
    k = math.floor(gap / step) if strict_bound else math.ceil(gap / step)
    if strict_bound:
        k += 1
    return max(k, 1 if strict_bound or gap > 0 else 0) * step
