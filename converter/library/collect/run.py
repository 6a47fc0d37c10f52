"""One collecting run: each column's list pages, then each report page found (and its attached files),
stored through the library's ingest; the crawl state is written as it goes, so a stop resumes.

Plain functions and data: nothing here prints or exits (converter/cli/library.py does).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from ...core.errors import ExitCode, UnreadableInput
from . import portal
from .fetch import Fetched, Fetcher, FetchError, Politeness, RequestLimitReached
from .state import DONE, FAILED, FILE, LIST, OK, PAGE, STOPPED, CrawlState, Known

CHANGED_AFTER_PUBLICATION = "发布后被修改"
MAX_REFRESHES = 3
LOST_AFTER = 3  # addresses in a row that cannot be connected to: the network is gone, the run stops


class NetworkLost(Exception):
    """Several addresses in a row could not be connected to (after their back-off)."""


@dataclass(frozen=True)
class Seed:
    organ: str  # "" when the column was given as a bare URL
    url: str


@dataclass
class StoredVersion:
    """What the library did with one file."""

    version_id: int | None
    outcome: str  # added | version | exists | failed (stored as unreadable)
    org: str = ""
    year: int | None = None
    message: str = ""
    findings: tuple[str, ...] = ()  # rules of the findings stored with it


class Library(Protocol):
    """The library's side of collecting (converter.library.collect.library implements it)."""

    def store_file(
        self, path: Path, source: str, *, unreadable: str = "", published: tuple[dt.date, str] | None = None
    ) -> StoredVersion: ...

    def add_finding(self, version_id: int, rule: str, code: str, severity: str, message: str) -> None: ...


@dataclass
class Event:
    """One line of what the run did (the command prints them)."""

    outcome: str  # new | changed | unchanged | failed | unreadable | gone | skipped
    organ: str
    url: str
    title: str = ""
    message: str = ""
    published_on: dt.date | None = None  # the page's 发布时间
    published_on_from: str = ""  # where it was read


@dataclass
class Summary:
    run: int = 0
    resumed: bool = False
    stopped: str = ""  # why the run stopped before its end ("" when it finished)
    requests: int = 0
    events: list[Event] = field(default_factory=list)

    def count(self, outcome: str, organ: str | None = None) -> int:
        return sum(e.outcome == outcome and (organ is None or e.organ == organ) for e in self.events)

    def organs(self) -> list[str]:
        return list(dict.fromkeys(e.organ for e in self.events))

    @property
    def exit_code(self) -> ExitCode:
        """Non-zero only for the collector's own failures (a page it could not fetch or store)."""
        return ExitCode.UNREADABLE if self.count("failed") else ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        outcomes = ("new", "changed", "unchanged", "unreadable", "failed", "gone")
        return {
            "run": self.run,
            "resumed": self.resumed,
            "stopped": self.stopped,
            "requests": self.requests,
            "totals": {o: self.count(o) for o in outcomes},
            "organs": {org: {o: self.count(o, org) for o in outcomes} for org in self.organs()},
            "events": [e.__dict__ for e in self.events],
        }


def read_seeds(path: Path) -> list[Seed]:
    """A seed list: CSV (UTF-8 or GBK, as Excel saves it) with 机关 and 栏目网址 columns, or two plain
    columns (organ, URL) with or without a header."""
    data = path.read_bytes()
    text = portal.decode_page(data).text.lstrip("\ufeff")
    seeds: list[Seed] = []
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row if c.strip()]
        if not cells or cells[0].startswith("#"):
            continue
        url = next((c for c in cells if c.lower().startswith(("http://", "https://"))), "")
        if not url:
            if number == 1:  # a header row
                continue
            raise UnreadableInput(
                f"{path.name} 第 {number} 行没有栏目网址（应为 http:// 或 https:// 开头）。"
            )
        organ = next((c for c in cells if c != url), "")
        seeds.append(Seed(organ, url))
    if not seeds:
        raise UnreadableInput(f"{path.name} 中没有栏目网址；每行写“机关,栏目网址”。")
    return seeds


class Collector:
    def __init__(
        self,
        state: CrawlState,
        library: Library,
        fetcher: Fetcher,
        *,
        since: int | None = None,
        on_event: Callable[[Event], None] | None = None,
    ):
        self.state = state
        self.library = library
        self.fetcher = fetcher
        self.since = since
        self.on_event = on_event
        self.summary = Summary()
        self._unreachable = 0  # connection failures in a row

    def _event(self, event: Event) -> None:
        self.summary.events.append(event)
        if event.outcome != "failed":
            self._unreachable = 0
        if self.on_event is not None:
            self.on_event(event)

    def _failed(self, run: int, page_id: int, exc: FetchError, event: Event) -> None:
        """A URL that could not be fetched. Refused or broken (4xx, too big, a loop…): done for this run.
        Unreachable: left for the resumed run, and after several in a row the run stops."""
        if exc.kind == "network":
            self.state.note(page_id, state=FAILED, message=exc.message)
            self._event(event)
            self._unreachable += 1
            if self._unreachable >= LOST_AFTER:
                raise NetworkLost()
            return
        self.state.done(page_id, run, state=FAILED, message=exc.message)
        self._event(event)

    def run(self, seeds: Iterable[Seed]) -> Summary:
        seeds = [Seed(s.organ, portal.canonical(s.url)) for s in seeds]
        run, resumed = self.state.begin_run([(s.organ, s.url) for s in seeds])
        self.summary.run, self.summary.resumed = run, resumed
        status = STOPPED
        try:
            complete = {seed.url: self._list(run, seed) for seed in seeds}
            for seed in seeds:
                for known in self.state.in_run(run, seed.url, (PAGE, FILE)):
                    if known.done_run != run and known.parent_id is None:
                        self._report(run, seed, known)
                if complete[seed.url]:
                    for gone in self.state.mark_gone(run, seed.url, self.since):
                        self._event(
                            Event(
                                "gone",
                                seed.organ or gone.organ or title_organ(gone.title) or _host(gone.url),
                                gone.url,
                                gone.title,
                                "已从栏目中消失",
                            )
                        )
            status = DONE
        except RequestLimitReached:
            self.summary.stopped = f"已达到本次请求上限（--max-pages {self.fetcher.rules.max_requests}）"
        except NetworkLost:
            self.summary.stopped = f"网络连接中断（连续 {LOST_AFTER} 个地址无法连接）"
        except KeyboardInterrupt:
            self.summary.stopped = "已中断"
            raise
        finally:
            self.summary.requests = self.fetcher.requests
            self.state.end_run(run, status, self.fetcher.requests)
        return self.summary

    # ----------------------------------------------------------------------- list pages

    def _list(self, run: int, seed: Seed) -> bool:
        """Fetch the column's list pages not yet fetched in this run; True when all were read."""
        first = self.state.listed(run, seed.url, LIST, seed.organ, seed.url)
        queue = [first] + [k for k in self.state.in_run(run, seed.url, LIST) if k.id != first.id]
        done: set[str] = set()
        complete = True
        while queue:
            page = queue.pop(0)
            if page.url in done:
                continue
            done.add(page.url)
            if page.done_run == run:  # read, or given up, before this run was stopped
                complete = complete and page.state != FAILED
                continue
            try:
                fetched = self.fetcher.get(page.url)
                listing = portal.parse_list(
                    portal.decode_page(fetched.content, fetched.charset).text, fetched.url
                )
            except FetchError as exc:
                complete = False
                event = Event("failed", seed.organ or _host(seed.url), page.url, "栏目页", exc.message)
                self._failed(run, page.id, exc, event)
                continue
            for link in listing.reports:
                if self.since is not None and link.year < self.since:
                    continue
                self.state.listed(
                    run,
                    link.url,
                    FILE if link.is_file else PAGE,
                    seed.organ,
                    seed.url,
                    title=link.title,
                    year=link.year,
                    listed_on=link.listed_date,
                )
            for url in listing.pages:
                if url not in done and _same_site(url, seed.url) and not _index_of(url, seed.url):
                    queue.append(self.state.listed(run, url, LIST, seed.organ, seed.url))
            self.state.done(page.id, run, state=OK, message="")
        return complete

    # ----------------------------------------------------------------------- report pages

    def _report(self, run: int, seed: Seed, known: Known) -> None:
        organ = seed.organ or known.organ or title_organ(known.title)
        try:
            fetched = self._follow(known.url)
        except FetchError as exc:
            event = Event("failed", organ or _host(known.url), known.url, known.title, exc.message)
            self._failed(run, known.id, exc, event)
            return
        if known.kind == FILE or not portal.is_html(fetched.content, fetched.content_type):
            self._file(run, organ, known, fetched, known.title)
            return
        decoded = portal.decode_page(fetched.content, fetched.charset)
        detail = portal.parse_detail(decoded.text, fetched.url)
        dates = {
            "published_on": detail.published or known.listed_on,
            "published_on_from": detail.published_from or ("栏目列表日期" if known.listed_on else ""),
        }
        unreadable = ""
        if detail.image_only:
            unreadable = (
                f"页面中的表格是图片（{detail.images} 张），无法读取其中的数字；"
                "页面已保存，数字未猜测，请向发布机关索取文字版或附件。"
            )
        html = decoded.text.encode("utf-8")
        page, event = self._store(
            organ, known, detail.fingerprint, html, ".html", detail.title or known.title, unreadable, dates
        )
        for attachment in detail.attachments:
            child = self.state.listed(
                run,
                attachment.url,
                FILE,
                known.organ,
                known.column_url,
                title=attachment.text,
                year=known.year,
                parent_id=known.id,
            )
            if child.done_run == run:
                continue
            try:
                got = self.fetcher.get(attachment.url, file=True)
                if portal.is_html(got.content, got.content_type):
                    raise FetchError(
                        attachment.url,
                        f"{attachment.url}：附件地址返回的是网页，不是{attachment.suffix}文件。",
                        "not-a-file",
                    )
            except FetchError as exc:
                self._failed(
                    run,
                    child.id,
                    exc,
                    Event("failed", organ or _host(known.url), attachment.url, attachment.text, exc.message),
                )
                continue
            name = (
                attachment.text
                if portal.attachment_suffix(attachment.text)
                else (detail.title or known.title) + attachment.suffix
            )
            self._file(run, organ, child, got, name, dates)
        self.state.done(known.id, run, **page)  # after its files: a stop in between fetches them again
        self._event(event)

    def _follow(self, url: str) -> Fetched:
        """The page, after meta refreshes within the site (as a browser would, without scripts)."""
        fetched = self.fetcher.get(url)
        seen = {url}
        for _ in range(MAX_REFRESHES):
            if not portal.is_html(fetched.content, fetched.content_type):
                return fetched
            target = portal.meta_refresh(
                portal.decode_page(fetched.content, fetched.charset).text, fetched.url
            )
            if target is None or target in seen:
                return fetched
            if not _same_site(target, url):
                raise FetchError(url, f"{url}：页面跳转到其他网站 {target}，未跟随。", "redirect")
            seen.add(target)
            fetched = self.fetcher.get(target)
        return fetched

    def _file(
        self,
        run: int,
        organ: str,
        known: Known,
        fetched: Fetched,
        name: str,
        dates: dict[str, Any] | None = None,
    ) -> None:
        suffix = (
            portal.attachment_suffix(name)
            or portal.attachment_suffix(fetched.url)
            or _sniffed_suffix(fetched.content)
        )
        unreadable = ""
        if suffix in (".doc", ".wps"):
            unreadable = (
                f"{name} 是 {suffix} 旧格式文件，无法直接读取；已记录，请用 Word 或 WPS 另存为 .docx 后"
                "用 `xxgk library add` 加入。"
            )
        fingerprint = hashlib.sha256(fetched.content).hexdigest()
        stem = Path(name).stem if portal.attachment_suffix(name) else name
        values, event = self._store(
            organ, known, fingerprint, fetched.content, suffix or ".bin", stem, unreadable, dates or {}
        )
        self.state.done(known.id, run, **values)
        self._event(event)

    def _store(
        self,
        organ: str,
        known: Known,
        fingerprint: str,
        data: bytes,
        suffix: str,
        name: str,
        unreadable: str,
        dates: dict[str, Any],
    ) -> tuple[dict[str, Any], Event]:
        """Store the content unless it is what was stored last: the state's new values for the URL, and
        what happened (told once the state has them: a stop in between fetches the URL again)."""
        label = organ or _host(known.url)
        if known.fingerprint == fingerprint:
            unchanged = Event("unchanged", label, known.url, known.title or name, "", **dates)
            return dict(state=OK, message="", **dates), unchanged
        with tempfile.TemporaryDirectory(prefix="xxgk-collect-") as folder:
            path = Path(folder) / (_safe_name(name) + suffix)
            path.write_bytes(data)
            date, where = dates.get("published_on"), dates.get("published_on_from", "")
            published = (date, where) if date else None
            stored = self.library.store_file(path, known.url, unreadable=unreadable, published=published)
        changed = bool(known.fingerprint)
        label = organ or stored.org or _host(known.url)
        values: dict[str, Any] = dict(state=OK, fingerprint=fingerprint, message=stored.message, **dates)
        if not known.organ:
            values["organ"] = label  # the summary's row for it next time
        if stored.version_id is not None:
            values["version_id"] = stored.version_id
        if changed:
            values.update(changes=known.changes + 1, changed_at=_now())
            if (
                stored.version_id is not None
                and CHANGED_AFTER_PUBLICATION not in stored.findings
                and stored.outcome != "exists"
            ):
                when = f"{known.fetched_at:%Y-%m-%d}" if known.fetched_at else "上次"
                self.library.add_finding(
                    stored.version_id,
                    CHANGED_AFTER_PUBLICATION,
                    "changed-after-publication",
                    "warning",
                    f"{CHANGED_AFTER_PUBLICATION}：{known.url} 的内容与 {when} 收集时不同，已保存为新版本。",
                )
        if changed:
            outcome = "changed"
        elif stored.outcome == "exists":
            outcome = "unchanged"
        elif stored.outcome == "failed":
            outcome = "unreadable"
        else:
            outcome = "new"
        return values, Event(outcome, label, known.url, known.title or name, stored.message, **dates)


def title_organ(title: str) -> str:
    """The organ a report's title names before its year: 平潭综合实验区2024年度… → 平潭综合实验区."""
    match = portal.YEAR.search(title)
    return title[: match.start()].strip(" 　:：-—") if match else ""


def _sniffed_suffix(data: bytes) -> str:
    if data.startswith(b"%PDF"):
        return ".pdf"
    if data.startswith(b"PK"):
        return ".docx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return ".doc"
    return ""


def _safe_name(name: str) -> str:
    cleaned = "".join("_" if c in '\\/:*?"<>|\0' or ord(c) < 32 else c for c in name).strip(" .")
    return cleaned[:120] or "report"


def _index_of(url: str, folder: str) -> bool:
    """`…/col/index.htm` is the page a folder URL `…/col/` serves."""
    if not folder.endswith("/") or not url.startswith(folder):
        return False
    return url[len(folder) :].lower() in ("index.htm", "index.html", "index.shtml")


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _same_site(url: str, other: str) -> bool:
    from .fetch import site_of

    return site_of(urlsplit(url).hostname or "") == site_of(urlsplit(other).hostname or "")


def _now():
    from .state import now

    return now()


def politeness(
    delay: float,
    max_pages: int,
    allow_private: bool,
    *,
    backoff: tuple[float, ...] | None = None,
    timeout: float | None = None,
) -> Politeness:
    rules = Politeness(delay=delay, max_requests=max_pages, allow_private=allow_private)
    if backoff is not None:
        rules.backoff = backoff
    if timeout is not None:
        rules.timeout = timeout
    return rules
