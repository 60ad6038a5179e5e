"""Today's date, the one way every step asks for it.

``today(value)`` is the date a run counts from: the ``--today`` a consultant gave (a date, or text
such as 2025-05-10, 2025/5/10, 2025年5月10日), else the machine's date. The briefing's days to the
deadline, the 生成日期 stamp of the forms and the province tables, the package manifest and the blank
workbook's default years all take it from here, so a rerun with the same ``--today`` says the same
thing whatever day it runs.
"""

from __future__ import annotations

import datetime as dt

from toolkit.core.formatting import parse_date


def today(value=None, what: str = "--today") -> dt.date:
    """``value`` as a date (a ``date``, a ``datetime`` or text a person typed); the machine's date when
    ``value`` is None. Mistyped text raises a ``ToolkitError`` naming ``what`` and the form to use."""
    if value is None:
        return dt.date.today()
    return parse_date(value, what)
