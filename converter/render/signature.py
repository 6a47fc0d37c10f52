"""The 落款 as GB/T 9704 lays it out: the organ's name centred over the date, the date 右空四字; a name too
long for that moves both left (at least 右空二字), and one as long as the line is centred on it."""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from docx.oxml.ns import qn

from .ppr import place_in_ppr

STYLE = "Signature"  # the style id of the 落款 paragraphs in the default template
DATE_RIGHT = 4  # 成文日期右空四字
ORG_RIGHT_AT_LEAST = 2  # a long name keeps 右空二字
# w:rPr children that come after w:spacing (ECMA-376 order)
_AFTER_SPACING = (
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
    "specVanish",
    "oMath",
)


def chars(text: str) -> float:
    """Width in characters of the body font: a Chinese character is one, a digit or Latin letter half."""
    return sum(1 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in text)


def right_space(org: float, date: float) -> float:
    """Characters between the 落款's right edge (its longer line's) and the right margin: the date
    右空四字 with the name centred over it, as far as the name keeps 右空二字."""
    return max(DATE_RIGHT - max(org - date, 0) / 2, ORG_RIGHT_AT_LEAST)


def axis(org: float, date: float, line: float) -> float | None:
    """Where the organ and date are centred, in characters from the left margin (`line` wide); None
    when the name is too long for the 落款 to stand right of centre (then both are centred on the line)."""
    centre = line - right_space(org, date) - max(org, date) / 2
    return centre if centre - org / 2 >= 0 and centre >= line / 2 else None


def char_width(styles: Any) -> int:
    """Twips a character of the 落款 style takes (its w:sz, in half-points); 三号 (16 pt) if not given."""
    for style in styles.iter(qn("w:style")):
        if style.get(qn("w:styleId")) == STYLE:
            size = style.find(f"{qn('w:rPr')}/{qn('w:sz')}")
            if size is not None and (size.get(qn("w:val")) or "").isdigit():
                return int(size.get(qn("w:val"))) * 10
    return 320


def centre_signature(body: Any, char_twips: int) -> None:
    """Place the 落款 of a rendered body (`w:body`): its last two paragraphs of style `Signature` that
    start with a tab, the organ's name then the date. Left as it is when there are no such two."""
    placed = [p for p in body.iter(qn("w:p")) if _style(p) == STYLE and _tabbed(p)][-2:]
    line_twips = _line_width(body)
    if len(placed) != 2 or line_twips is None:
        return
    org_text, date_text = (_text(p) for p in placed)
    line = line_twips / char_twips
    centre = axis(chars(org_text), chars(date_text), line)
    if centre is not None:
        for p in placed:
            _tab_at(p, round(centre * char_twips))
        return
    for p in placed:
        _centred(p)
    overflow = chars(org_text) - line
    if overflow > 0:  # a name as long as the line: set a little closer, so it is not broken
        squeeze = math.ceil(overflow * char_twips / max(len(org_text), 1)) + 1  # twips a character
        _condense(placed[0], squeeze)


def _style(p: Any) -> str | None:
    style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return None if style is None else style.get(qn("w:val"))


def _tabbed(p: Any) -> bool:
    first = next(p.iter(qn("w:tab"), qn("w:t")), None)
    return first is not None and first.tag == qn("w:tab") and first.getparent().tag == qn("w:r")


def _text(p: Any) -> str:
    return "".join(t.text or "" for t in p.iter(qn("w:t")))


def _line_width(body: Any) -> int | None:
    section = body.find(qn("w:sectPr"))
    size = None if section is None else section.find(qn("w:pgSz"))
    margins = None if section is None else section.find(qn("w:pgMar"))
    if size is None or margins is None:
        return None
    try:
        return int(size.get(qn("w:w"))) - int(margins.get(qn("w:left"))) - int(margins.get(qn("w:right")))
    except (TypeError, ValueError):
        return None


def _ppr(p: Any) -> Any:
    ppr = p.find(qn("w:pPr"))
    if ppr is None:
        ppr = p.makeelement(qn("w:pPr"), {})
        p.insert(0, ppr)
    return ppr


def _tab_at(p: Any, position: int) -> None:
    """A centre tab stop of the paragraph's own at `position` (left of the style's, so it is the one the
    tab reaches first)."""
    ppr = _ppr(p)
    tabs = ppr.makeelement(qn("w:tabs"), {})
    tabs.append(tabs.makeelement(qn("w:tab"), {qn("w:val"): "center", qn("w:pos"): str(position)}))
    place_in_ppr(ppr, tabs)


def _centred(p: Any) -> None:
    """Centred on the line, without the leading tab."""
    tab = next(p.iter(qn("w:tab")))
    tab.getparent().remove(tab)
    ppr = _ppr(p)
    place_in_ppr(ppr, ppr.makeelement(qn("w:jc"), {qn("w:val"): "center"}))


def _condense(p: Any, twips: int) -> None:
    """Each run's characters `twips` closer together (w:spacing, in twentieths of a point)."""
    for run in p.iter(qn("w:r")):
        rpr = run.find(qn("w:rPr"))
        if rpr is None:
            rpr = run.makeelement(qn("w:rPr"), {})
            run.insert(0, rpr)
        for old in rpr.findall(qn("w:spacing")):
            rpr.remove(old)
        spacing = rpr.makeelement(qn("w:spacing"), {qn("w:val"): str(-twips)})
        after = [child for child in rpr if child.tag in {qn(f"w:{n}") for n in _AFTER_SPACING}]
        if after:
            after[0].addprevious(spacing)
        else:
            rpr.append(spacing)
