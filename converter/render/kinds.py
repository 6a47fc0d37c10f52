"""The renderer seam: every output kind takes a report's context (context.py) and writes one file.

A renderer has a `kind`, a file `suffix` and `render(context, out, template)`. Adding an output kind
(HTML for the portal, PDF) is adding a module and a line in RENDERERS; `pipeline.build` is unchanged.
Renderers are imported only when used, so `xxgk check` never loads a Word library.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Protocol

RENDERERS: dict[str, str] = {
    "docx": "converter.render.docx:WordRenderer",
    "html": "converter.render.html:HtmlRenderer",
}


class Renderer(Protocol):
    """One output kind."""

    kind: str
    suffix: str  # ".docx"

    def render(self, context: dict[str, Any], out: Path, template: Path | None = None) -> None:
        """Write the report for `context` to `out` (a temporary file the caller moves into place)."""
        ...


def renderer(kind: str) -> Renderer:
    """The renderer of an output kind; ValueError for a kind that is not declared."""
    if kind not in RENDERERS:
        raise ValueError(f"unknown output kind {kind!r}; known: {', '.join(RENDERERS)}")
    module, _, name = RENDERERS[kind].partition(":")
    return getattr(importlib.import_module(module), name)()
