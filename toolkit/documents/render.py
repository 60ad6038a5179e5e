"""Render a Word (.docx) template with docxtpl: autoescape on, written atomically.

Autoescape is off by default in docxtpl, and a value holding ``&``, ``<`` or ``>`` then makes a file
Word cannot open; here it is always on. Images go in as ``InlineImage`` through ``image()``.

Each template is compiled once per process: docxtpl turns the template's XML into a Jinja template
on every render, and compiling that XML cost more than the rest of the render. The one environment
here keeps the compiled template of each XML text it has seen (the XML comes from the template file
alone, never from the context, so a restyled template is a new text and is compiled anew); the
template file's bytes are kept while its size and modification time stay the same.
"""

from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable

from toolkit.core.atomic import atomic_path
from toolkit.core.errors import TemplateError

_COMPILED_MAX = 64  # XML parts (bodies, headers, footers) kept compiled; a package uses about 10
_env = None
_env_lock = threading.Lock()
_bytes: dict[str, tuple[tuple[int, int], bytes]] = {}


def environment():
    """The process's Jinja environment for Word templates: autoescape, strict, each source compiled once."""
    global _env
    with _env_lock:
        if _env is None:
            from jinja2 import Environment, StrictUndefined

            class CompileOnce(Environment):
                def __init__(self, **kw):
                    super().__init__(**kw)
                    self._compiled: OrderedDict[str, Any] = OrderedDict()
                    self._lock = threading.Lock()

                def from_string(self, source, globals=None, template_class=None):
                    if globals or template_class is not None or not isinstance(source, str):
                        return super().from_string(source, globals, template_class)
                    with self._lock:
                        t = self._compiled.get(source)
                        if t is not None:
                            self._compiled.move_to_end(source)
                            return t
                    t = super().from_string(source)
                    with self._lock:
                        self._compiled[source] = t
                        while len(self._compiled) > _COMPILED_MAX:
                            self._compiled.popitem(last=False)
                    return t

            _env = CompileOnce(autoescape=True, undefined=StrictUndefined)
        return _env


def _template_bytes(template: Path) -> bytes:
    st = template.stat()
    key, stamp = str(template.resolve()), (st.st_size, st.st_mtime_ns)
    hit = _bytes.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    data = template.read_bytes()
    _bytes[key] = (stamp, data)
    return data


def load(template: Path | str):
    from docxtpl import DocxTemplate

    template = Path(template)
    if not template.is_file():
        raise TemplateError(str(template), "template file not found")
    try:
        tpl = DocxTemplate(io.BytesIO(_template_bytes(template)))
        tpl.init_docx()
        return tpl
    except Exception as exc:  # a corrupt or non-docx file
        raise TemplateError(str(template), f"not a readable .docx ({exc})") from exc


def warm(template: Path | str) -> int:
    """Compile a Word template's XML parts (body, headers, footers) as ``render`` will meet them, so that
    a process forked afterwards (a batch's kernel) renders without compiling; returns how many parts.

    It repeats docxtpl's own preparation of a part (``patch_xml``, a line break before each paragraph);
    should docxtpl change it, a render compiles as before — slower, never different."""
    tpl = load(template)
    env = environment()
    parts = [tpl.patch_xml(tpl.get_xml())]
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        parts += [tpl.patch_xml(tpl.get_part_xml(part)) for _, part in tpl.get_headers_footers(uri)]
    for xml in parts:
        env.from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", xml))
    for prop in ("author", "comments", "identifier", "language", "subject", "title"):  # docxtpl renders these too
        env.from_string(getattr(tpl.docx.core_properties, prop) or "")
    return len(parts)


def compiled_count() -> int:
    """How many XML parts the environment holds compiled (for tests of ``warm``)."""
    return len(environment()._compiled)


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
    from jinja2.exceptions import TemplateError as JinjaError

    tpl = load(template)
    ctx = dict(context)
    for name, (path, width_mm) in (images or {}).items():
        ctx[name] = InlineImage(tpl, str(path), width=Mm(width_mm))
    if prepare is not None:
        prepare(tpl, ctx)
    try:
        tpl.render(ctx, jinja_env=environment(), autoescape=True)
    except JinjaError as exc:
        raise TemplateError(Path(template).name, f"rendering failed: {exc}") from exc
    out = Path(out)
    with atomic_path(out) as tmp:
        tpl.save(str(tmp))
    return out
