"""The 信息处理费 figures stated in 六 (发出收费通知件数, 通知总金额, 实际收取总金额)."""

from __future__ import annotations

import re
from decimal import Decimal

from ..core.model import Paragraph
from .document import norm

NUM = r"(\d+(?:\.\d+)?)"
ALL_ZERO = re.compile(r"收费通知的?件数和总金额[，,]?以及实际收取的总金额均为0")
PATTERNS = {
    "fees.notices": re.compile(r"发出(?:信息处理费)?收费通知(?:书)?(?:的件数为?)?" + NUM + "件"),
    "fees.notice_amount": re.compile(r"收费通知(?:的)?总金额(?:为)?" + NUM + "元"),
    "fees.collected": re.compile(
        r"(?:实际)?收取(?:的总金额为?|(?:政府信息公开)?信息处理费(?:共计|为)?)" + NUM + "元"
    ),
}


def read_fees(rows: list[Paragraph]) -> dict[str, int | Decimal]:
    """Fee figures stated in so many words; a figure not stated is left out (blank)."""
    text = norm("".join(p.heading + p.body for p in rows))
    if ALL_ZERO.search(text) or ("均为0" in text and "收费通知" in text and "收取" in text):
        return {"fees.notices": 0, "fees.notice_amount": Decimal(0), "fees.collected": Decimal(0)}
    out: dict[str, int | Decimal] = {}
    for key, pattern in PATTERNS.items():
        found = pattern.findall(text)
        if len(set(found)) == 1:  # two different figures: unclear which, leave blank
            out[key] = int(found[0]) if key == "fees.notices" else _amount(found[0])
    return out


def _amount(text: str) -> Decimal:
    value = Decimal(text)
    return Decimal(int(value)) if value == value.to_integral_value() else value
