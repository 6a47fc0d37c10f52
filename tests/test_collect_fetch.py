"""The collector's manners, asserted from the local test portal's request log: robots.txt, one request
at a time with a delay, back-off on 429/5xx, give up on other 4xx, conditional requests through the HTTP
cache, size/redirect/time limits, http(s) only, private addresses refused unless allowed."""

from __future__ import annotations

import itertools

import pytest
from portal_server import Portal, Route

from converter.library.collect.fetch import (
    Fetcher,
    FetchError,
    Politeness,
    RequestLimitReached,
    private_address,
    site_of,
)

PAGE = "<html><head><meta charset='utf-8'></head><body><p>平潭综合实验区</p></body></html>".encode()


@pytest.fixture
def portal():
    server = Portal().start()
    server.add("/robots.txt", Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"))
    yield server
    server.stop()


def rules(**changes) -> Politeness:
    base = dict(delay=0.15, backoff=(0.1, 0.2), timeout=2.0, allow_private=True)
    base.update(changes)
    return Politeness(**base)


def fetcher(tmp_path, **changes) -> Fetcher:
    return Fetcher(rules(**changes), tmp_path / "cache.db")


def gaps(hits) -> list[float]:
    return [b.at - a.at for a, b in itertools.pairwise(hits)]


def test_robots_is_read_first_and_obeyed(portal, tmp_path):
    portal.add("/a.htm", Route(PAGE))
    portal.add("/private/b.htm", Route(PAGE))
    with fetcher(tmp_path) as f:
        assert f.get(portal.url("/a.htm")).content == PAGE
        with pytest.raises(FetchError) as refused:
            f.get(portal.url("/private/b.htm"))
    assert refused.value.kind == "robots" and "robots.txt" in refused.value.message
    assert portal.paths() == ["/robots.txt", "/a.htm"]  # robots once, the disallowed page never


def test_a_missing_robots_allows_and_an_unreachable_one_disallows(tmp_path):
    missing, broken = Portal().start(), Portal().start()
    try:
        missing.add("/a.htm", Route(PAGE))
        broken.add("/robots.txt", Route(b"", status=503))
        broken.add("/a.htm", Route(PAGE))
        with fetcher(tmp_path, backoff=()) as f:
            assert f.get(missing.url("/a.htm")).status == 200
            with pytest.raises(FetchError) as refused:
                f.get(broken.url("/a.htm"))
        assert refused.value.kind == "robots"
        assert broken.paths() == ["/robots.txt"]
    finally:
        missing.stop()
        broken.stop()


def test_requests_to_a_host_are_spaced_by_the_delay(portal, tmp_path):
    for n in range(4):
        portal.add(f"/{n}.htm", Route(PAGE))
    with fetcher(tmp_path, delay=0.2) as f:
        for n in range(4):
            f.get(portal.url(f"/{n}.htm"))
    assert len(portal.log) == 5
    assert all(gap >= 0.19 for gap in gaps(portal.log)), gaps(portal.log)


def test_robots_crawl_delay_is_honoured_when_longer(portal, tmp_path):
    portal.add("/robots.txt", Route(b"User-agent: *\nCrawl-delay: 1\n", content_type="text/plain"))
    portal.add("/a.htm", Route(PAGE))
    portal.add("/b.htm", Route(PAGE))
    with fetcher(tmp_path, delay=0.05) as f:
        f.get(portal.url("/a.htm"))
        f.get(portal.url("/b.htm"))
    assert gaps(portal.log)[1] >= 0.99


def test_503_is_retried_after_the_backoff_and_recovers(portal, tmp_path):
    portal.add("/busy.htm", Route(PAGE, statuses=[503, 503]))
    with fetcher(tmp_path, delay=0.01, backoff=(0.3, 0.6)) as f:
        assert f.get(portal.url("/busy.htm")).content == PAGE
    hits = portal.hits("/busy.htm")
    assert [h.status for h in hits] == [503, 503, 200]
    assert gaps(hits)[0] >= 0.29 and gaps(hits)[1] >= 0.59


def test_429_waits_for_retry_after_within_the_backoff(portal, tmp_path):
    portal.add("/slowdown.htm", Route(PAGE, statuses=[429], headers={"Retry-After": "1"}))
    with fetcher(tmp_path, delay=0.01, backoff=(0.1, 2.0)) as f:
        f.get(portal.url("/slowdown.htm"))
    assert gaps(portal.hits("/slowdown.htm"))[0] >= 0.99


def test_a_server_that_stays_down_is_given_up_after_the_backoff(portal, tmp_path):
    portal.add("/down.htm", Route(PAGE, status=500))
    with fetcher(tmp_path, delay=0.01, backoff=(0.05, 0.05, 0.05)) as f, pytest.raises(FetchError) as failed:
        f.get(portal.url("/down.htm"))
    assert failed.value.status == 500 and "500" in failed.value.message
    assert len(portal.hits("/down.htm")) == 4  # the first try and one per back-off step


@pytest.mark.parametrize("status", [404, 403, 410])
def test_other_4xx_are_not_retried(portal, tmp_path, status):
    portal.add("/gone.htm", Route(PAGE, status=status))
    with fetcher(tmp_path) as f, pytest.raises(FetchError) as failed:
        f.get(portal.url("/gone.htm"))
    assert failed.value.status == status
    assert len(portal.hits("/gone.htm")) == 1


def test_a_page_is_revalidated_with_its_etag(portal, tmp_path):
    portal.add("/report.htm", Route(PAGE))
    with fetcher(tmp_path) as f:
        first = f.get(portal.url("/report.htm"))
    with fetcher(tmp_path) as f:  # another run, same cache
        second = f.get(portal.url("/report.htm"))
    hits = portal.hits("/report.htm")
    assert [h.status for h in hits] == [200, 304]
    assert "if-none-match" not in hits[0].headers and hits[1].headers["if-none-match"]
    assert second.content == first.content == PAGE and second.from_cache and not first.from_cache


def test_a_page_is_revalidated_with_its_last_modified_date(portal, tmp_path):
    stamp = "Tue, 20 Feb 2023 07:07:00 GMT"
    portal.add("/report.htm", Route(PAGE, etag=False, last_modified=stamp))
    for _ in range(2):
        with fetcher(tmp_path) as f:
            assert f.get(portal.url("/report.htm")).content == PAGE
    hits = portal.hits("/report.htm")
    assert [h.status for h in hits] == [200, 304] and hits[1].headers["if-modified-since"] == stamp


def test_the_user_agent_names_xxgk(portal, tmp_path):
    portal.add("/a.htm", Route(PAGE))
    with fetcher(tmp_path) as f:
        f.get(portal.url("/a.htm"))
    assert all(h.headers["user-agent"].startswith("xxgk/") for h in portal.log)


def test_a_slow_page_times_out(portal, tmp_path):
    portal.add("/slow.htm", Route(PAGE, delay=1.5))
    slow = fetcher(tmp_path, timeout=0.3, backoff=(0.05,), delay=0.01)
    with slow as f, pytest.raises(FetchError) as failed:
        f.get(portal.url("/slow.htm"))
    assert failed.value.kind == "timeout" and "超时" in failed.value.message
    assert len(portal.hits("/slow.htm")) == 2  # retried once (back-off), then given up


def test_a_redirect_loop_is_given_up(portal, tmp_path):
    portal.add("/a.htm", Route(status=302, headers={"Location": "/b.htm"}, etag=False))
    portal.add("/b.htm", Route(status=301, headers={"Location": "/a.htm"}, etag=False))
    with fetcher(tmp_path) as f, pytest.raises(FetchError) as failed:
        f.get(portal.url("/a.htm"))
    assert failed.value.kind == "redirect"
    assert portal.paths() == ["/robots.txt", "/a.htm", "/b.htm"]


def test_redirects_are_followed_within_the_site_only(portal, tmp_path):
    portal.add("/old.htm", Route(status=301, headers={"Location": "/new.htm"}, etag=False))
    portal.add("/new.htm", Route(PAGE))
    elsewhere = portal.url("/new.htm").replace("127.0.0.1", "localhost")
    portal.add("/away.htm", Route(status=302, headers={"Location": elsewhere}, etag=False))
    with fetcher(tmp_path) as f:
        moved = f.get(portal.url("/old.htm"))
        with pytest.raises(FetchError) as refused:
            f.get(portal.url("/away.htm"))
    assert moved.url == portal.url("/new.htm") and moved.content == PAGE
    assert refused.value.kind == "redirect" and "其他网站" in refused.value.message
    assert portal.paths().count("/new.htm") == 1


def test_a_listed_host_may_be_redirected_to(portal, tmp_path):
    elsewhere = portal.url("/new.htm").replace("127.0.0.1", "localhost")
    portal.add("/away.htm", Route(status=302, headers={"Location": elsewhere}, etag=False))
    portal.add("/new.htm", Route(PAGE))
    with fetcher(tmp_path, other_hosts=frozenset({"localhost"})) as f:
        assert f.get(portal.url("/away.htm")).content == PAGE


def test_a_huge_page_is_refused_past_the_limit(portal, tmp_path):
    portal.add("/huge.htm", Route(b"<html>" + b"x" * (3 * 1024 * 1024)))
    with fetcher(tmp_path, max_page_bytes=1024 * 1024) as f:
        with pytest.raises(FetchError) as refused:
            f.get(portal.url("/huge.htm"))
        assert f.get(portal.url("/huge.htm"), file=True).status == 200  # an attached file may be larger
    assert refused.value.kind == "too-big" and "1 MiB" in refused.value.message


def test_private_addresses_are_refused_unless_allowed(portal, tmp_path):
    portal.add("/a.htm", Route(PAGE))
    with fetcher(tmp_path, allow_private=False) as f, pytest.raises(FetchError) as refused:
        f.get(portal.url("/a.htm"))
    assert refused.value.kind == "private" and "--allow-private" in refused.value.message
    assert portal.log == []  # not even robots.txt
    assert private_address("127.0.0.1") == "127.0.0.1" and private_address("10.1.2.3") == "10.1.2.3"
    assert private_address("203.0.113.5") is not None  # documentation range: reserved, refused too


@pytest.mark.parametrize("url", ["ftp://www.pingtan.gov.cn/a.pdf", "file:///etc/passwd", "javascript:x"])
def test_only_http_and_https(tmp_path, url):
    with fetcher(tmp_path) as f, pytest.raises(FetchError) as refused:
        f.get(url)
    assert refused.value.kind == "scheme"


def test_the_request_budget_stops_the_run(portal, tmp_path):
    for n in range(3):
        portal.add(f"/{n}.htm", Route(PAGE))
    with fetcher(tmp_path, max_requests=3) as f:
        f.get(portal.url("/0.htm"))
        f.get(portal.url("/1.htm"))
        with pytest.raises(RequestLimitReached):
            f.get(portal.url("/2.htm"))
    assert portal.paths() == ["/robots.txt", "/0.htm", "/1.htm"]


def test_www_is_the_same_site():
    assert site_of("www.pingtan.gov.cn") == site_of("pingtan.gov.cn") == "pingtan.gov.cn"
    assert site_of("xxgk.pingtan.gov.cn") != site_of("www.pingtan.gov.cn")
