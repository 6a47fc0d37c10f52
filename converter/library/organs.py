"""Organs as themselves: a department, a township and their county are three organs.

A name is normalised (full/half width, spaces) and looked up among the organs' names and the aliases a
directory gave; it is never merged with another by guess. Without a directory entry an organ keeps the
name its report printed, with the type its name settles (converter.organs.infer) and no region.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from ..core.errors import UnreadableInput
from ..format import official as fmt
from . import schema as s
from . import summaries

ORG_LABEL, TYPE_LABEL = fmt.INFO_BY_KEY["org"].label, fmt.INFO_BY_KEY["organ_type"].label
DIRECTORY_COLUMNS = (ORG_LABEL, "上级地区", TYPE_LABEL, "别名")
ALIAS_SEPARATORS = (";", "；", "|", "、")
MAX_DIRECTORY_BYTES = 20 * 1024 * 1024


def normalise(name: str) -> str:
    """The key an organ is known by: NFKC (full-width letters and digits to half width), no spaces,
    Latin letters in one case."""
    return "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()


def normalise_region(region: str) -> str:
    parts = [normalise(p) for p in unicodedata.normalize("NFKC", region or "").replace("／", "/").split("/")]
    return "/".join(p for p in parts if p)


def under(column: Any, region: str) -> Any:
    """The rows whose region (`column`) is `region` or lies under it (`江苏省/淮安市` takes its counties)."""
    return or_(column == region, column.startswith(region + "/", autoescape=True))


def resolve(conn: Connection, printed: str) -> int:
    """The organ a report's printed name is: by name, then by a directory alias naming one organ only;
    otherwise a new organ of its own (an alias of several organs marks it ambiguous, never merged)."""
    from ..core.organs import infer

    name = normalise(printed)
    found = conn.execute(select(s.organs.c.id).where(s.organs.c.name == name)).scalar()
    if found is not None:
        return found
    owners = conn.execute(select(s.organ_aliases.c.organ_id).where(s.organ_aliases.c.alias == name)).scalars()
    owners = sorted(set(owners))
    if len(owners) == 1:
        return owners[0]
    return conn.execute(
        insert(s.organs).values(
            name=name,
            display_name=" ".join(printed.split()),
            region="",
            organ_type=infer(name)[1],
            source="name",
            ambiguous=len(owners) > 1,
        )
    ).inserted_primary_key[0]


@dataclass
class DirectoryEntry:
    line: int
    name: str
    region: str
    organ_type: str
    aliases: list[str] = field(default_factory=list)


def read_directory(path: Path) -> list[DirectoryEntry]:
    """The directory CSV (`机关全称,上级地区,机关类型,别名`; UTF-8 or GBK, as Excel saves it)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UnreadableInput(f"无法读取机关名录 {path}：{exc.strerror or exc}") from exc
    if len(raw) > MAX_DIRECTORY_BYTES:
        raise UnreadableInput(f"机关名录 {Path(path).name} 超过 20 MB，不像是机关名录。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any bytes
        raise UnreadableInput(f"机关名录 {Path(path).name} 不是 UTF-8 或 GBK 编码的 CSV 文件。")
    rows = list(csv.reader(io.StringIO(text)))
    header = [c.strip() for c in rows[0]] if rows else []
    if header[:3] != list(DIRECTORY_COLUMNS[:3]):
        raise UnreadableInput(
            f"机关名录 {Path(path).name} 第 1 行应为表头“{','.join(DIRECTORY_COLUMNS)}”，"
            f"实为“{','.join(header)}”。"
        )
    entries: list[DirectoryEntry] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        cells = [*row, "", "", "", ""][:4]
        name, region, organ_type, aliases = (c.strip() for c in cells)
        where = f"机关名录 {Path(path).name} 第 {number} 行"
        if not normalise(name):
            raise UnreadableInput(f"{where}：“{ORG_LABEL}”为空。")
        if organ_type and organ_type not in fmt.ORGAN_TYPES:
            raise UnreadableInput(
                f"{where}：{TYPE_LABEL}“{organ_type}”应为 {' / '.join(fmt.ORGAN_TYPES)} 之一"
                "（或留空按名称推定）。"
            )
        if normalise(name) in seen:
            raise UnreadableInput(f"{where}：“{name}”与第 {seen[normalise(name)]} 行重复。")
        seen[normalise(name)] = number
        for sep in ALIAS_SEPARATORS[1:]:
            aliases = aliases.replace(sep, ALIAS_SEPARATORS[0])
        names = [normalise(a) for a in aliases.split(ALIAS_SEPARATORS[0]) if normalise(a)]
        entries.append(DirectoryEntry(number, normalise(name), normalise_region(region), organ_type, names))
    return entries


@dataclass
class DirectoryImport:
    added: int = 0
    updated: int = 0
    moved_reports: int = 0
    conflicts: list[str] = field(default_factory=list)  # left as they are, for a person to decide


def import_directory(conn: Connection, entries: list[DirectoryEntry]) -> DirectoryImport:
    """Add or update each directory organ; reports stored under one of its aliases (an organ known by
    name only) move to it, unless the organ already has a report of that year (listed, not merged)."""
    from ..core.organs import infer

    result = DirectoryImport()
    touched: set[int] = set()  # organs whose name, region or type may have changed, or got reports
    generation = (conn.execute(select(func.max(s.organs.c.generation))).scalar() or 0) + 1
    for entry in entries:
        organ_type = entry.organ_type or infer(entry.name)[1]
        row = conn.execute(select(s.organs.c.id).where(s.organs.c.name == entry.name)).scalar()
        values = dict(
            region=entry.region,
            organ_type=organ_type,
            source="directory",
            ambiguous=False,
            generation=generation,
        )
        if row is None:
            row = conn.execute(
                insert(s.organs).values(name=entry.name, display_name=entry.name, **values)
            ).inserted_primary_key[0]
            result.added += 1
        else:
            conn.execute(update(s.organs).where(s.organs.c.id == row).values(**values))
            result.updated += 1
        touched.add(row)
        conn.execute(delete(s.organ_aliases).where(s.organ_aliases.c.organ_id == row))
        for alias in dict.fromkeys(a for a in entry.aliases if a != entry.name):
            conn.execute(insert(s.organ_aliases).values(alias=alias, organ_id=row))
    # Aliases now known: an organ known by name only that one directory organ claims moves to it.
    for entry in entries:
        for alias in entry.aliases:
            _move_alias_organ(conn, alias, result)
    summaries.refresh(conn, summaries.reports_of_organs(conn, touched))
    return result


def _move_alias_organ(conn: Connection, alias: str, result: DirectoryImport) -> None:
    owners = sorted(
        set(
            conn.execute(select(s.organ_aliases.c.organ_id).where(s.organ_aliases.c.alias == alias)).scalars()
        )
    )
    named = conn.execute(
        select(s.organs.c.id, s.organs.c.display_name).where(
            s.organs.c.name == alias, s.organs.c.source == "name"
        )
    ).first()
    if named is None:
        return
    if len(owners) != 1:
        conn.execute(update(s.organs).where(s.organs.c.id == named.id).values(ambiguous=True))
        result.conflicts.append(f"“{named.display_name}”是名录中多个机关的别名，未归并，请在名录中写明全称")
        return
    target = owners[0]
    years_there = set(conn.execute(select(s.reports.c.year).where(s.reports.c.organ_id == target)).scalars())
    for report_id, year in conn.execute(
        select(s.reports.c.id, s.reports.c.year).where(s.reports.c.organ_id == named.id)
    ).all():
        if year in years_there:
            result.conflicts.append(
                f"“{named.display_name}”{year} 年的报告与其名录机关的同年报告并存，未归并，请核对"
            )
            continue
        conn.execute(update(s.reports).where(s.reports.c.id == report_id).values(organ_id=target))
        summaries.refresh(conn, [report_id])  # before the organ it leaves may go
        result.moved_reports += 1
    left = conn.execute(select(func.count()).where(s.reports.c.organ_id == named.id)).scalar()
    if not left:
        conn.execute(delete(s.organs).where(s.organs.c.id == named.id))
