"""Paragraph properties (w:pPr) in the order the schema requires: Word rejects a document whose w:pPr
children are out of order. Both the renderer and scripts/make_template.py place them by this list."""

from __future__ import annotations

from typing import Any

from docx.oxml.ns import qn

PPR_ORDER = (
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
)
"""w:pPr's children in schema order (ECMA-376 CT_PPr: CT_PPrBase, then rPr, sectPr, pPrChange)."""
_RANK = {qn(f"w:{name}"): rank for rank, name in enumerate(PPR_ORDER)}


def place_in_ppr(ppr: Any, child: Any) -> None:
    """Put `child` into `ppr` at its schema position, replacing a child of the same name."""
    for old in ppr.findall(child.tag):
        ppr.remove(old)
    rank = _RANK[child.tag]
    for existing in ppr:
        if _RANK.get(existing.tag, len(PPR_ORDER)) > rank:
            existing.addprevious(child)
            return
    ppr.append(child)
