"""Paragraph properties in schema order (converter/render/ppr.py): one list, used by the renderer's 落款
and by scripts/make_template.py, so the template and the rendered report keep w:pPr as Word requires."""

from __future__ import annotations

from docx.oxml.ns import qn
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from test_render import load_make_template

from converter.render.ppr import PPR_ORDER, place_in_ppr

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _names(ppr) -> list[str]:
    return [etree.QName(child).localname for child in ppr]


def _in_order(names: list[str]) -> bool:
    ranks = [PPR_ORDER.index(n) for n in names]
    return ranks == sorted(ranks) and len(set(ranks)) == len(ranks)


@given(st.lists(st.sampled_from(PPR_ORDER), max_size=20))
def test_placed_children_are_in_schema_order_once_each(names):
    ppr = etree.Element(qn("w:pPr"), nsmap={"w": W_NS})
    for name in names:
        place_in_ppr(ppr, etree.SubElement(etree.Element("x"), qn(f"w:{name}")))
    assert _in_order(_names(ppr))
    assert set(_names(ppr)) == set(names)


def test_a_child_placed_again_replaces_the_old_one():
    ppr = etree.Element(qn("w:pPr"), nsmap={"w": W_NS})
    for value in ("left", "center"):
        place_in_ppr(ppr, etree.Element(qn("w:jc"), {qn("w:val"): value}))
    assert [child.get(qn("w:val")) for child in ppr] == ["center"]


def test_the_template_script_places_by_the_renderers_order():
    assert load_make_template().place_in_ppr is place_in_ppr
