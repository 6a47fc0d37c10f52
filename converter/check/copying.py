"""Copying: a report repeating last year's (P1) or another unit's of the same year (P2).

Texts are compared as character shingles of the sections the clerk writes (format.COPY_SECTIONS), after
taking out what every report may share: the format's own sentences (format.BOILERPLATE), the sentences
on the 信息处理费 that the format asks of every report (format.FEE_TOPIC_WORDS), and years (2023 → 2024
is not a change). P2 also drops the shingles a
large part of the batch shares (a county's common wording). Candidate pairs for P2 come from MinHash LSH
(datasketch), so 1,000 reports are not compared pair by pair; each candidate is then measured exactly.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..core.findings import Finding
from ..core.model import Report
from ..format import official as fmt
from .registry import Registry
from .report_text import bare, sentences, text_of
from .rules import Subject, checker, finding

YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
BOILERPLATE = tuple(sorted((bare(p) for p in fmt.BOILERPLATE), key=len, reverse=True))
K = fmt.COPY_SHINGLE


def prepared(report: Report, key: str) -> str:
    """A section's own words: the fee sentences and the format's phrases out, years made alike."""
    kept = (s for s in sentences(text_of(report, key)) if not any(w in s for w in fmt.FEE_TOPIC_WORDS))
    plain = bare("".join(kept))
    for phrase in BOILERPLATE:
        plain = plain.replace(phrase, "")
    return YEAR.sub("〇〇〇〇", plain)


def shingles(plain: str) -> set[str]:
    return {plain[i : i + K] for i in range(len(plain) - K + 1)}


def covered(plain: str, other: set[str]) -> list[bool]:
    """Which characters of `plain` lie in a shingle the other text also has."""
    mask = [False] * len(plain)
    for i in range(len(plain) - K + 1):
        if plain[i : i + K] in other:
            mask[i : i + K] = [True] * K
    return mask


def passages(plain: str, mask: list[bool], original: str = "") -> list[str]:
    """The longest runs of repeated characters, longest first, quoted as printed in `original`."""
    runs, start = [], None
    for i, flag in enumerate([*mask, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append(plain[start:i])
            start = None
    runs = sorted((r for r in runs if len(r) >= fmt.COPY_PASSAGE_MIN), key=len, reverse=True)
    quotes = [as_printed(r[:QUOTE_CHARS], original) for r in runs[: fmt.COPY_PASSAGES]]
    return [f"“{q}…”" if len(r) > QUOTE_CHARS else f"“{q}”" for q, r in zip(quotes, runs, strict=False)]


QUOTE_CHARS = 80


def as_printed(run: str, original: str) -> str:
    """A run of bare characters found back in the text as printed (punctuation and spaces between them)."""
    if not original:
        return run
    normal, where = [], []  # NFKC character by character, each remembering its place in `original`
    for i, ch in enumerate(original):
        for out in unicodedata.normalize("NFKC", ch):
            normal.append(out)
            where.append(i)
    pattern = r"[\W_]*".join(r"\d" if ch == "〇" else re.escape(ch) for ch in run)
    match = re.search(pattern, "".join(normal))
    if not match:
        return run
    return original[where[match.start()] : where[match.end() - 1] + 1]


def _code(share: float, thresholds: dict[str, float], codes: tuple[str, str], copied: bool = True) -> str:
    """The code of a share: (warning code, error code) by the thresholds; "" below them. `copied`
    False keeps to the warning code (a workbook is told, not stopped)."""
    if share >= thresholds["error"] and copied:
        return codes[1]
    return codes[0] if share >= thresholds["warning"] else ""


def percent(share: float) -> str:
    return f"{share:.0%}"


# --------------------------------------------------------------------------- P1: last year


@checker("P1")
def check_last_year(subject: Subject) -> Iterator[Finding]:
    """P1: per section and overall, the share of this year's own words repeated from last year's."""
    assert subject.previous is not None
    rule, other = fmt.RULES["P1"], subject.previous_name or f"{subject.previous.info.year or ''}年度"
    total = repeated = 0
    quotes: list[str] = []
    # a clerk's workbook is told, not stopped: `build` goes on (evaluators judge the published report)
    errors = subject.source == fmt.PUBLISHED
    for key in fmt.COPY_SECTIONS:
        this, last = prepared(subject.report, key), prepared(subject.previous, key)
        if len(this) < fmt.COPY_MIN_CHARS or len(last) < fmt.COPY_MIN_CHARS:
            continue
        mask = covered(this, shingles(last))
        share = sum(mask) / len(this)
        total, repeated = total + len(this), repeated + sum(mask)
        found = passages(this, mask, text_of(subject.report, key))
        quotes += found
        codes = ("problems-repeated", "problems-copied") if key == "problems" else ("repeated", "copied")
        code = _code(share, fmt.COPY_LAST_YEAR, codes, errors)
        if not code:
            continue
        heading = fmt.SECTION_BY_KEY[key].heading
        message = rule.text(code, heading=heading, share=percent(share), other=other)
        expected = f"低于{percent(fmt.COPY_LAST_YEAR['warning'])}"
        yield finding("P1", code, fmt.section_field(key), expected, percent(share), message, evidence=found)
    share = repeated / total if total else 0.0
    code = _code(share, fmt.COPY_LAST_YEAR, ("overall", "overall-copied"), errors)
    if code:
        message = rule.text(code, share=percent(share), other=other)
        expected = f"低于{percent(fmt.COPY_LAST_YEAR['warning'])}"
        evidence = sorted(quotes, key=len, reverse=True)[: fmt.COPY_PASSAGES]
        yield finding("P1", code, "", expected, percent(share), message, evidence=evidence)


# --------------------------------------------------------------------------- P2: other units


@dataclass(frozen=True)
class Unit:
    """One report of a batch, named as findings name it (its file)."""

    name: str
    report: Report


BATCH: Registry[Sequence[Unit]] = Registry()
"""Checkers of the rules whose subject is a whole batch (format.Scope.BATCH)."""


@BATCH.checker("P2")
def check_units(units: Sequence[Unit]) -> dict[int, list[Finding]]:
    """P2: for each report and section, the most similar other unit's report of the same year, when the
    similarity reaches the threshold; findings by the report's index in `units`."""
    out: dict[int, list[Finding]] = {}
    years: dict[int, list[int]] = {}
    for i, unit in enumerate(units):
        if unit.report.info.year is not None:
            years.setdefault(unit.report.info.year, []).append(i)
    for members in years.values():
        if len(members) < 2:
            continue
        for key in fmt.COPY_SECTIONS:
            for i, found in _similar_sections(units, members, key):
                out.setdefault(i, []).append(found)
    return out


def comparable(units: Sequence[Unit]) -> set[int]:
    """The reports P2 can assess: another report of the same year is in the batch."""
    years = Counter(u.report.info.year for u in units if u.report.info.year is not None)
    return {
        i for i, u in enumerate(units) if u.report.info.year is not None and years[u.report.info.year] > 1
    }


def _similar_sections(units: Sequence[Unit], members: list[int], key: str) -> Iterator[tuple[int, Finding]]:
    texts = {i: prepared(units[i].report, key) for i in members}
    sets = {i: shingles(t) for i, t in texts.items() if len(t) >= fmt.COPY_MIN_CHARS}
    frequency = Counter(s for shingle_set in sets.values() for s in shingle_set)
    common = {s for s, n in frequency.items() if n >= 3 and n > fmt.COPY_SHARED_BY * len(members)}
    own = {i: s - common for i, s in sets.items()}
    own = {i: s for i, s in own.items() if len(s) >= fmt.COPY_MIN_CHARS - K + 1}
    best: dict[int, tuple[float, int]] = {}
    for a, b in _candidates(own):
        share = len(own[a] & own[b]) / len(own[a] | own[b])
        for x, y in ((a, b), (b, a)):
            if share > best.get(x, (0.0, -1))[0]:
                best[x] = (share, y)
    heading = fmt.SECTION_BY_KEY[key].heading
    for i, (share, j) in sorted(best.items()):
        code = _code(share, fmt.COPY_UNITS, ("similar", "copied"))
        if not code:
            continue
        other = f"{units[j].report.info.org or '另一单位'}（{units[j].name}）"
        message = fmt.RULES["P2"].message.format(heading=heading, other=other, share=percent(share))
        original = text_of(units[i].report, key)
        evidence = passages(texts[i], covered(texts[i], own[j]), original)
        expected = f"低于{percent(fmt.COPY_UNITS['warning'])}"
        yield (
            i,
            finding("P2", code, fmt.section_field(key), expected, percent(share), message, evidence=evidence),
        )


def _candidates(sets: dict[int, set[str]]) -> set[tuple[int, int]]:
    """Pairs whose estimated Jaccard similarity may reach the warning threshold (MinHash LSH)."""
    if len(sets) < 2:
        return set()
    from datasketch import MinHash, MinHashLSH  # only for a batch: it imports numpy and scipy

    ids = list(sets)
    hashes = MinHash.bulk([[s.encode() for s in sets[i]] for i in ids], num_perm=NUM_PERM)
    lsh = MinHashLSH(threshold=fmt.COPY_UNITS["warning"] * LSH_MARGIN, num_perm=NUM_PERM)
    pairs: set[tuple[int, int]] = set()
    for i, minhash in zip(ids, hashes, strict=True):
        for j in lsh.query(minhash):
            pairs.add((min(i, j), max(i, j)))
        lsh.insert(i, minhash)
    return pairs


NUM_PERM = 64  # permutations per MinHash: enough to find pairs at Jaccard >= 0.4 reliably, cheap to hash
LSH_MARGIN = (
    0.8  # the LSH threshold sits below the warning one: its estimate is noisy, candidates are re-measured
)
