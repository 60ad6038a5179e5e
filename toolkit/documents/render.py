"""Render a Word (.docx) template with docxtpl: autoescape on, written atomically.

Autoescape is off by default in docxtpl, and a value holding ``&``, ``<`` or ``>`` then makes a file
Word cannot open; here it is always on. Images go in as ``InlineImage`` through ``image()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from toolkit.core.atomic import atomic_path
from toolkit.core.errors import TemplateError


def load(template: Path | str):
    from docxtpl import DocxTemplate

    template = Path(template)
    if not template.is_file():
        raise TemplateError(str(template), "template file not found")
    try:
        return DocxTemplate(str(template))
    except Exception as exc:  # a corrupt or non-docx file
        raise TemplateError(str(template), f"not a readable .docx ({exc})") from exc


def render(
    template: Path | str,
    context: dict[str, Any],
    out: Path | str,
    *,
    images: dict[str, tuple[Path | str, float]] | None = None,
    prepare: Callable[[Any, dict[str, Any]], None] | None = None,
) -> Path:
    """Render ``template`` with ``context`` into ``out``.

    ``images`` maps a context name to (png path, width in mm); each becomes an ``InlineImage``.
    ``prepare(tpl, context)`` may add sub-documents or other docxtpl objects before rendering.
    """
    from docx.shared import Mm
    from docxtpl import InlineImage
    from jinja2 import Environment, StrictUndefined
    from jinja2.exceptions import TemplateError as JinjaError

    tpl = load(template)
    ctx = dict(context)
    for name, (path, width_mm) in (images or {}).items():
        ctx[name] = InlineImage(tpl, str(path), width=Mm(width_mm))
    if prepare is not None:
        prepare(tpl, ctx)
    env = Environment(autoescape=True, undefined=StrictUndefined)
    try:
        tpl.render(ctx, jinja_env=env, autoescape=True)
    except JinjaError as exc:
        raise TemplateError(Path(template).name, f"rendering failed: {exc}") from exc
    out = Path(out)
    with atomic_path(out) as tmp:
        tpl.save(str(tmp))
    return out
