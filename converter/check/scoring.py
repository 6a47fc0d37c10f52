"""Scoring profiles as data (TOML): rules and codes mapped to points; a score with every deduction.

A profile item deducts per finding of its rules (by severity) up to its maximum. A rule that could not be
assessed for a report (no publication date, no previous year, no other unit) is listed as such, and an
item none of whose rules could be assessed is never scored as passed: the score is given as a range,
from the score less what those items could still deduct up to the score of what was assessed.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from ..core.errors import XxgkError
from ..format import official as fmt

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

BUILT_IN = ("default", "local10")
SEVERITIES = ("error", "warning")


class ProfileError(XxgkError):
    """A scoring profile that cannot be used (exit 2: an option's value)."""

    exit_code = 2
    reason = "profile"


class Scored(Protocol):
    """What a profile scores: an audit finding (rule, code, severity, where, what, evidence)."""

    rule: str
    code: str
    severity: str
    location: str
    message: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    title: str
    rules: tuple[str, ...]  # rule ids, or rule:code
    points: dict[str, float]  # severity -> points per finding
    max: float
    not_assessable: str = ""  # why an item without rules cannot be judged from the report

    def counts(self, finding: Scored) -> bool:
        return finding.rule in self.rules or f"{finding.rule}:{finding.code}" in self.rules

    @property
    def rule_ids(self) -> set[str]:
        return {r.split(":")[0] for r in self.rules}


@dataclass(frozen=True)
class Profile:
    name: str
    total: float
    floor: float
    items: tuple[Item, ...]


@dataclass
class Deduction:
    item: str
    points: float
    finding: Scored

    def to_dict(self) -> dict[str, Any]:
        f = self.finding
        return {
            "item": self.item,
            "points": self.points,
            "rule": f.rule,
            "code": f.code,
            "severity": f.severity,
            "location": f.location,
            "message": f.message,
            "evidence": list(f.evidence),
        }


@dataclass
class Score:
    profile: str
    total: float
    score: float  # the total less the deductions found (the top of the range)
    unassessed: float = 0.0  # what the items that could not be assessed could still deduct
    floor: float = 0.0
    deductions: list[Deduction] = field(default_factory=list)
    not_assessable: list[tuple[str, str]] = field(default_factory=list)  # (item or rule, why)

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "total": self.total,
            "score": self.score,
            "lowest": self.lowest,
            "unassessed": self.unassessed,
            "deductions": [d.to_dict() for d in self.deductions],
            "not_assessable": [{"what": what, "reason": why} for what, why in self.not_assessable],
        }

    @property
    def lowest(self) -> float:
        """The score if every item that could not be assessed deducted all it may."""
        return max(self.floor, self.score - self.unassessed)

    def lines(self) -> list[str]:
        """As `audit` prints it: the score, each deduction with its evidence, what was not assessed."""
        head = f"  得分（{self.profile}，满分 {number(self.total)}）："
        if self.lowest < self.score:
            head += f"{number(self.lowest)}–{number(self.score)}"
            head += f"（有项目不能评估，最多还可扣 {number(self.score - self.lowest)} 分，不算通过）"
        else:
            head += number(self.score)
        out = [head]
        for d in self.deductions:
            f = d.finding
            out.append(f"    −{number(d.points)}  {d.item}  {f.rule}  {f.location}：{f.message}")
            out += [f"          引文：{quote}" for quote in f.evidence[:3]]
        out += [f"    不能评估：{what}（{why}）" for what, why in self.not_assessable]
        return out


def number(value: float) -> str:
    return f"{value:g}"


def load_profile(name: str | Path) -> Profile:
    """A built-in profile by name (default, local10) or a user's TOML file."""
    if str(name) in BUILT_IN:
        text = resources.files(__package__).joinpath("profiles", f"{name}.toml").read_text(encoding="utf-8")
        source = f"{name}.toml"
    else:
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ProfileError(
                f"无法读取评分方案 {path}（{type(exc).__name__}）；内置方案有：{'、'.join(BUILT_IN)}"
            ) from exc
        source = path.name
    try:
        return _profile(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"评分方案 {source} 不是有效的 TOML：{exc}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise ProfileError(f"评分方案 {source} 写法有误：{exc}") from exc


def _profile(data: dict[str, Any]) -> Profile:
    items = []
    for raw in data["items"]:
        rules = tuple(str(r) for r in raw.get("rules", []))
        unknown = [r for r in rules if r.split(":")[0] not in fmt.RULES]
        if unknown:
            raise ValueError(f"项目“{raw['title']}”中没有这些规则：{'、'.join(unknown)}")
        points = {s: float(raw[s]) for s in SEVERITIES if s in raw}
        items.append(
            Item(str(raw["title"]), rules, points, float(raw["max"]), str(raw.get("not_assessable", "")))
        )
    return Profile(str(data["name"]), float(data["total"]), float(data.get("floor", 0)), tuple(items))


def score(profile: Profile, findings: list[Scored], not_assessable: dict[str, str]) -> Score:
    """Deductions item by item; `not_assessable` maps a rule id to why it could not be assessed."""
    result = Score(profile.name, profile.total, profile.total, floor=profile.floor)
    lost = 0.0
    for item in profile.items:
        skipped = sorted(r for r in item.rule_ids if r in not_assessable)
        if not item.rules or len(skipped) == len(item.rule_ids):
            why = item.not_assessable or "；".join(dict.fromkeys(not_assessable[r] for r in skipped))
            result.not_assessable.append((item.title, why))
            result.unassessed += item.max
            continue
        result.not_assessable += [(f"{r} {fmt.RULES[r].title}", not_assessable[r]) for r in skipped]
        taken = 0.0
        for finding in (f for f in findings if item.counts(f)):
            points = min(item.points.get(finding.severity, 0.0), item.max - taken)
            if points > 0:
                taken += points
                result.deductions.append(Deduction(item.title, points, finding))
        lost += taken
        if skipped:  # the rules not assessed could still take what is left of the item
            result.unassessed += item.max - taken
    result.score = max(profile.floor, profile.total - lost)
    return result
