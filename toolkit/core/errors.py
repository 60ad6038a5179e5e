"""The toolkit's own error types.

Every error a consultant can meet says where (file › sheet › cell, or file and key) and what to do.
Everything the toolkit raises on bad input is a ``ToolkitError``; anything else is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass


class ToolkitError(Exception):
    """Base class: a problem a person can fix (bad input, bad template, bad rulebook)."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a client's workbook.

    ``severity`` is ``"error"`` (有误: a value that cannot be right), ``"missing"`` (待补充: a required
    cell left blank — incompleteness, not an error) or ``"warning"`` (提示: worth a look). Errors and
    blanks block a package; an assessment runs on any readable workbook, provisionally.
    ``fix`` says what to write instead, in Chinese, as a consultant would tell the county.
    """

    file: str
    sheet: str | None
    cell: str | None
    message: str
    fix: str = ""
    value: object = None
    severity: str = "error"

    @property
    def place(self) -> str:
        parts = [self.file] + [p for p in (self.sheet, self.cell) if p]
        return " › ".join(parts)

    def __str__(self) -> str:
        found = f"「{self.value}」" if self.value not in (None, "") else ""
        text = f"{self.place}: {found}{self.message}"
        if self.fix:
            text += f" — {self.fix}"
        return text

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
            "value": None if self.value is None else str(self.value),
            "message": self.message,
            "fix": self.fix,
            "severity": self.severity,
        }


class IntakeError(ToolkitError):
    """A workbook that cannot be read, or that has errors. ``problems`` lists every one found."""

    def __init__(self, problems: list[Problem] | Problem | str, file: str = ""):
        if isinstance(problems, str):
            problems = [Problem(file=file, sheet=None, cell=None, message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        blanks = [p for p in self.problems if p.severity == "missing"]
        listed = errors + blanks or self.problems
        head = str(listed[0]) if listed else "工作簿有问题"
        kinds = "有误或待补充" if errors and blanks else "有误" if errors else "待补充" if blanks else "问题"
        more = (f"（另有 {len(listed) - 1} 项{kinds}：运行 clusterkit check 逐条列出并生成标注副本）"
                if len(listed) > 1 else "")
        super().__init__(head + more)


class RulebookError(ToolkitError):
    """A rulebook file that is wrong: names the file and the key."""

    def __init__(self, file: str, key: str, message: str):
        self.file, self.key = file, key
        super().__init__(f"{file} › {key}: {message}")


class SchemaError(ToolkitError):
    """The intake workbook's description (data/schema/intake.yaml) is wrong: names the file and the key."""

    def __init__(self, file: str, key: str, message: str):
        self.file, self.key = file, key
        super().__init__(f"{file} › {key}: {message}")


class RoundError(ToolkitError):
    """A round configuration that is missing or wrong."""


class TemplateError(ToolkitError):
    """A Word or text template with a broken tag or an unknown variable: names the template and tag."""

    def __init__(self, template: str, message: str, tag: str | None = None):
        self.template, self.tag = template, tag
        where = f"{template}" + (f" › {tag}" if tag else "")
        super().__init__(f"{where}: {message}")


class BatchError(ToolkitError):
    """A batch that cannot start (bad parameters, output folder locked, ...)."""


class ParameterError(BatchError):
    """A notebook parameter whose value is not of its declared type (``-p western_relaxation 也许``)."""
