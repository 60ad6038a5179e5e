"""统一社会信用代码 (unified social credit code), GB 32100-2015.

18 characters from ``0-9A-HJ-NPQRTUWXY`` (31 symbols; I, O, Z, S, V are never used):
1 registration authority, 1 organisation type, 6 administrative division, 9 organisation code,
1 check character. Each of the first 17 characters has the value of its position in the charset; the
weights are 3^i mod 31 (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28); the check
value is ``31 - (Σ value·weight mod 31)``, with 31 written as 0.
"""

from __future__ import annotations

import unicodedata

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_VALUE = {c: i for i, c in enumerate(CHARSET)}


def normalize(code: str) -> str:
    """Full-width to half-width, spaces removed, upper case."""
    text = unicodedata.normalize("NFKC", str(code))
    return "".join(text.split()).upper()


def check_char(first17: str) -> str:
    """The check character for the first 17 characters (which must be in CHARSET)."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """None when ``code`` is a well-formed code with a correct check character, else what is wrong (Chinese)."""
    code = normalize(code)
    if len(code) != 18:
        return f"应为18位，实际{len(code)}位"
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        return "含有不允许的字符「" + "".join(bad) + "」（不使用 I、O、Z、S、V）"
    expected = check_char(code[:17])
    if code[17] != expected:
        return f"校验位错误：按 GB 32100-2015 第18位应为「{expected}」，实际为「{code[17]}」"
    return None


def is_valid(code: str) -> bool:
    return problem(code) is None


def make(first17: str) -> str:
    """A full code from its first 17 characters (used to build the fictional demo rosters)."""
    first17 = normalize(first17)
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise ValueError(f"not 17 characters of the GB 32100 charset: {first17!r}")
    return first17 + check_char(first17)
