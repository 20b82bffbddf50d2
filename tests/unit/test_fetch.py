"""Fetching sources against a local server serving recorded responses: polite requests,
conditional GETs, retries that honour Retry-After, and every failure the real services
produce (304, 429, 503, a timeout, a truncated body, an HTML error page). No test touches
the internet, and none waits: the fetcher's clock and sleep are fakes."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

import jobs.fetch
from bot.context import Context
from bot.models import SourceFetch
from bot.settings import Settings
from bot.sources.feeds import Feed, SourcesError, parse_sources
from bot.sources.fetch import Fetcher
from bot.store import sources as source_store
from cli import app
from jobs.fetch import build_fetcher, fetch_sources, plan
from jobs.ingest import ingest_paths
from tests.cli_runner import ContextRunner
from tests.fake_sources import HF_PATH, FakeSources, Recorded, body

PAPERBOY = Path(sys.executable).with_name("paperboy")
REPO = Path(__file__).resolve().parents[2]
RSS_PATH = "/rss/cs.CV+cs.LG"
DAY = date(2024, 6, 18)
NOW = datetime(2024, 6, 18, 9, 30)


class FakeTime:
    """A monotonic clock that only moves when slept on; remembers every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def fake() -> Iterator[FakeSources]:
    with FakeSources() as server:
        yield server


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def ctx(ctx: Context, fake: FakeSources) -> Context:
    """The test context with SOURCES and base URLs pointing at the local server."""
    ctx.settings = ctx.settings.model_copy(
        update={
            "sources": "hf-daily arxiv:cs.CV+cs.LG",
            "hf_api_url": fake.url,
            "arxiv_rss_url": fake.url,
            "fetch_contact": "mailto:lab@example.org",
            "fetch_timeout_seconds": 0.3,
        }
    )
    return ctx


@pytest.fixture
def fetcher(ctx: Context, fake_time: FakeTime) -> Fetcher:
    return build_fetcher(ctx.settings, clock=fake_time.clock, sleep=fake_time.sleep)


def fetch(ctx: Context, fetcher: Fetcher, name: str, **options: object):
    report = fetch_sources(ctx, only=name, now=NOW, fetcher=fetcher, **options)
    return report.outcomes[-1], report


def state(ctx: Context, name: str) -> SourceFetch:
    return source_store.fetch_states(ctx.db, [name])[name]


# --- the configuration -----------------------------------------------------------------


def test_sources_setting_is_parsed_and_bad_names_fail_by_name() -> None:
    feeds = parse_sources("hf-daily, arxiv:cs.CV+cs.LG  arxiv:q-bio.BM hf-daily")
    assert [f.name for f in feeds] == ["hf-daily", "arxiv:cs.CV+cs.LG", "arxiv:q-bio.BM"]
    assert parse_sources("") == []
    with pytest.raises(SourcesError, match="unknown source 'rss:x'"):
        parse_sources("rss:x")
    with pytest.raises(ValueError, match="SOURCES"):
        Settings(_env_file=None, sources="arxiv:cs.CV;rm -rf")


def test_urls_and_inbox_names_are_by_source_and_date() -> None:
    hf, arxiv = parse_sources("hf-daily arxiv:cs.CV+cs.LG")
    assert hf.url("https://huggingface.co", DAY) == (
        "https://huggingface.co/api/daily_papers?date=2024-06-18&limit=100"
    )
    assert arxiv.url("https://rss.arxiv.org/", DAY) == "https://rss.arxiv.org/rss/cs.CV+cs.LG"
    assert (hf.file_name(DAY), arxiv.file_name(DAY)) == (
        "hf-daily_2024-06-18.json",
        "arxiv_cs.CV+cs.LG_2024-06-18.xml",
    )


def test_plan_backfills_by_day_catches_up_and_skips_what_is_not_due() -> None:
    hf, arxiv = Feed("hf-daily"), Feed("arxiv", ("cs.LG",))
    days = plan([hf, arxiv], {}, now=NOW, since=date(2024, 6, 15))
    assert [(f.kind, d.day) for f, d in days] == [
        ("hf-daily", 15), ("hf-daily", 16), ("hf-daily", 17), ("hf-daily", 18), ("arxiv", 18)
    ]  # fmt: skip
    assert [d.day for _, d in plan([hf], {}, now=NOW)] == [17, 18]  # first run: yesterday too
    old = SourceFetch(name="hf-daily", succeeded_at=NOW - timedelta(days=30))
    assert len(plan([hf], {"hf-daily": old}, now=NOW)) == jobs.fetch.CATCH_UP_DAYS + 1
    later = SourceFetch(name="hf-daily", next_run_at=NOW + timedelta(minutes=5))
    assert plan([hf], {"hf-daily": later}, now=NOW, due_only=True) == []
    assert plan([hf], {"hf-daily": later}, now=NOW, since=DAY) == [(hf, DAY)]


# --- a good fetch, and conditional requests ---------------------------------------------


def test_hf_day_is_kept_in_the_inbox_with_a_polite_request(ctx, fake, fetcher) -> None:
    outcome, report = fetch(ctx, fetcher, "hf-daily", since=DAY)
    path = ctx.settings.inbox_dir / "hf-daily_2024-06-18.json"
    assert (outcome.result, outcome.papers, outcome.file) == ("ok", 6, path)
    assert path.read_bytes() == body("hf_daily_papers_2024-06-18.json")
    (request,) = fake.requests(HF_PATH)
    assert request.query == {"date": "2024-06-18", "limit": "100"}
    agent = request.headers["User-Agent"]
    assert agent.startswith("paperboy/") and "mailto:lab@example.org" in agent
    assert (report.requests, report.written, report.papers) == (1, 1, 6)
    row = state(ctx, "hf-daily")
    assert (row.result, row.papers, row.file, row.error) == ("ok", 6, str(path), None)
    assert row.etag == 'W/"5854-sgITUtVGHeivl/tQSqepZ/FWLgM"'
    assert row.next_run_at == NOW + timedelta(minutes=ctx.settings.fetch_interval_minutes)
    assert ingest_paths(ctx).new == 6  # ingest takes it from the inbox as any file


def test_an_unchanged_feed_costs_a_304_and_writes_nothing(ctx, fake, fetcher) -> None:
    fetch(ctx, fetcher, "arxiv:cs.CV+cs.LG")
    path = ctx.settings.inbox_dir / "arxiv_cs.CV+cs.LG_2024-06-18.xml"  # the feed's date
    written = path.stat().st_mtime_ns
    outcome, report = fetch(ctx, fetcher, "arxiv:cs.CV+cs.LG")
    first, second = fake.requests(RSS_PATH)
    assert "If-None-Match" not in first.headers
    assert second.headers["If-None-Match"] == state(ctx, "arxiv:cs.CV+cs.LG").etag
    assert (outcome.result, report.written, report.bytes) == ("unchanged", 0, 0)
    assert path.stat().st_mtime_ns == written
    assert state(ctx, "arxiv:cs.CV+cs.LG").papers == 8  # the last papers count stays


def test_a_full_200_with_the_same_body_is_unchanged_too(ctx, fake, fetcher) -> None:
    answer = Recorded.load("hf_daily_papers_200")
    no_etag = Recorded(200, {k: v for k, v in answer.headers.items() if k != "ETag"}, answer.body)
    fake.serve(HF_PATH, no_etag)  # Hugging Face may not answer 304
    fetch(ctx, fetcher, "hf-daily", since=DAY)
    outcome, _ = fetch(ctx, fetcher, "hf-daily", since=DAY)
    assert outcome.result == "unchanged"


def test_arxiv_feed_date_names_the_file_and_arxiv_cache_sets_the_next_run(
    ctx, fake, fetcher
) -> None:
    outcome, _ = fetch(ctx, fetcher, "arxiv:cs.CV+cs.LG")
    assert outcome.file is not None and outcome.file.name == "arxiv_cs.CV+cs.LG_2024-06-18.xml"
    assert state(ctx, "arxiv:cs.CV+cs.LG").next_run_at == NOW + timedelta(seconds=86090)


def test_an_empty_weekend_feed_is_kept_and_ingested_as_zero_papers(ctx, fake, fetcher) -> None:
    fake.serve(RSS_PATH, Recorded.load("arxiv_rss_weekend_200"))
    outcome, _ = fetch(ctx, fetcher, "arxiv:cs.CV+cs.LG")
    assert (outcome.result, outcome.papers) == ("empty", 0)
    assert outcome.file is not None and outcome.file.name == "arxiv_cs.CV+cs.LG_2024-06-22.xml"
    report = ingest_paths(ctx)
    assert (report.files[0].papers, report.failed) == (0, 0)


# --- politeness ---------------------------------------------------------------------------


def test_arxiv_requests_are_three_seconds_apart(ctx, fake, fetcher, fake_time) -> None:
    ctx.settings = ctx.settings.model_copy(update={"sources": "arxiv:cs.CV+cs.LG arxiv:cs.CL"})
    fake.serve("/rss/cs.CL", Recorded.load("arxiv_rss_200"))
    fetch_sources(ctx, now=NOW, fetcher=fetcher)
    assert fake_time.slept == [3.0]  # the second feed waited for the first's 3 s


def test_only_configured_hosts_are_asked_even_through_a_redirect(ctx, fake, fetcher) -> None:
    elsewhere = "http://example.invalid/api/daily_papers?date=2024-06-18"
    fake.fail_next(HF_PATH, Recorded.of(b"", status=302, Location=elsewhere))
    outcome, _ = fetch(ctx, fetcher, "hf-daily", since=DAY)
    assert outcome.result == "failed"
    assert outcome.error == f"refused {elsewhere}: host is not a configured source"
    assert len(fake.requests()) == 1  # not retried: asking again would not help


def test_a_response_over_the_size_limit_is_refused(ctx, fake, fake_time) -> None:
    fetcher = Fetcher(allowed_hosts={"127.0.0.1"}, user_agent="t", max_bytes=1000,
                      clock=fake_time.clock, sleep=fake_time.sleep)  # fmt: skip
    outcome, _ = fetch(ctx, fetcher, "hf-daily", since=DAY)
    assert outcome.error == "response larger than 1000 bytes"


# --- failures the services really produce --------------------------------------------------


def test_429_with_retry_after_waits_as_asked_then_succeeds(ctx, fake, fetcher, fake_time) -> None:
    fake.fail_next(RSS_PATH, Recorded.load("arxiv_api_429"))  # Retry-After: 60
    outcome, report = fetch(ctx, fetcher, "arxiv:cs.CV+cs.LG")
    assert (outcome.result, report.requests) == ("ok", 2)
    assert fake_time.slept == [60.0]


def test_hf_rate_limit_reset_longer_than_we_wait_is_left_to_the_next_run(
    ctx, fake, fetcher, fake_time
) -> None:
    fake.fail_next(HF_PATH, Recorded.load("hf_daily_papers_429"))  # RateLimit: ...;t=129
    outcome, _ = fetch(ctx, fetcher, "hf-daily", since=DAY)
    assert outcome.result == "failed" and fake_time.slept == []
    assert outcome.error == "HTTP 429; asked to wait 129 s, left to the next run"
    assert state(ctx, "hf-daily").next_run_at == NOW + timedelta(minutes=60)


def test_503_error_pages_are_retried_with_backoff(ctx, fake, fetcher, fake_time) -> None:
    page = Recorded.load("hf_daily_papers_503")
    fake.fail_next(HF_PATH, page, page)
    outcome, _ = fetch(ctx, fetcher, "hf-daily", since=DAY)
    assert outcome.result == "ok" and fake_time.slept == [2.0, 4.0]


def test_a_source_that_stays_down_fails_with_one_line_and_blocks_nothing(
    ctx, fake, fetcher, caplog: pytest.LogCaptureFixture
) -> None:
    fake.serve(HF_PATH, Recorded.load("hf_daily_papers_503"))
    with caplog.at_level(logging.INFO):
        report = fetch_sources(ctx, now=NOW, fetcher=fetcher, since=DAY)
    by_source = {o.feed.name: o for o in report.outcomes}
    assert by_source["hf-daily"].error == "HTTP 503 (after 4 tries)"
    assert by_source["arxiv:cs.CV+cs.LG"].result == "ok"  # the other source went on
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and warnings[0].exc_info is None
    assert "\n" not in warnings[0].getMessage() and "hf-daily" in warnings[0].getMessage()
    assert sorted(p.name for p in ctx.settings.inbox_dir.iterdir()) == [
        "arxiv_cs.CV+cs.LG_2024-06-18.xml"
    ]
    assert state(ctx, "hf-daily").result == "failed"
    assert ingest_paths(ctx).new == 8  # what is there is ingested all the same


def test_a_timeout_is_retried(ctx, fake, fetcher) -> None:
    fake.fail_next(HF_PATH, Recorded.load("hf_daily_papers_200").delayed(1.0))
    outcome, _ = fetch(ctx, fetcher, "hf-daily", since=DAY)
    assert outcome.result == "ok" and len(fake.requests(HF_PATH)) == 2


def test_a_truncated_body_is_retried_and_never_kept(ctx, fake, fetcher) -> None:
    cut = Recorded.load("hf_daily_papers_truncated")
    fake.serve(HF_PATH, cut)
    outcome, _ = fetch(ctx, fetcher, "hf-daily", since=DAY)
    assert outcome.error == "truncated response: 9000 of 22612 bytes arrived (after 4 tries)"
    assert list(ctx.settings.inbox_dir.iterdir()) == []


def test_an_html_error_page_served_as_200_is_not_kept(ctx, fake, fetcher) -> None:
    page = body("not_a_source/hf_error_page.html")
    fake.serve(HF_PATH, Recorded.of(page, Content_Type="text/html"))
    outcome, _ = fetch(ctx, fetcher, "hf-daily", since=DAY)
    assert outcome.result == "failed" and outcome.error is not None
    assert outcome.error.startswith("not a valid hf-json answer: truncated or invalid JSON")
    assert list(ctx.settings.inbox_dir.iterdir()) == []


def test_a_bad_arxiv_category_is_not_retried(ctx, fake, fetcher) -> None:
    fake.serve(RSS_PATH, Recorded.load("arxiv_rss_400_bad_category"))
    outcome, report = fetch(ctx, fetcher, "arxiv:cs.CV+cs.LG")
    assert (outcome.error, report.requests) == ("HTTP 400", 1)


# --- the commands -------------------------------------------------------------------------


@pytest.fixture
def patient_fetcher(
    monkeypatch: pytest.MonkeyPatch, fake_time: FakeTime
) -> None:  # `paperboy fetch` builds its own fetcher: give it the fake clock
    real = jobs.fetch.build_fetcher

    def build(settings: Settings, **_: object) -> Fetcher:
        return real(settings, clock=fake_time.clock, sleep=fake_time.sleep)

    monkeypatch.setattr(jobs.fetch, "build_fetcher", build)


@pytest.mark.usefixtures("patient_fetcher")
def test_fetch_command_backfills_then_ingests_and_sources_shows_it(ctx, fake) -> None:
    runner = ContextRunner(ctx)
    since = (datetime.now().date() - timedelta(days=2)).isoformat()
    result = runner.invoke(app, ["fetch", "--source", "hf-daily", "--since", since, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["requests"] == 3 and report["failed"] == 0
    assert [o["result"] for o in report["fetched"]] == ["ok", "ok", "ok"]
    assert report["ingest"]["new"] == 6  # three days of the same list: one file's papers
    shown = json.loads(runner.invoke(app, ["sources", "--json"]).stdout)
    assert [s["name"] for s in shown] == ["hf-daily", "arxiv:cs.CV+cs.LG"]
    hf, arxiv = shown
    assert (hf["result"], hf["papers"]) == ("ok", 6) and hf["last_fetch"] and hf["next_run"]
    assert (arxiv["result"], arxiv["last_fetch"]) == (None, None)  # never fetched yet
    table = runner.invoke(app, ["sources"], env={"COLUMNS": "200"})
    assert "hf-daily" in table.stdout and "never" in table.stdout


def test_fetch_command_names_an_unknown_source(ctx) -> None:
    result = ContextRunner(ctx).invoke(app, ["fetch", "--source", "arxiv:math.AP"])
    assert result.exit_code == 2 and "'arxiv:math.AP' is not configured" in result.output


def test_sources_without_any_configured(ctx: Context) -> None:
    ctx.settings = ctx.settings.model_copy(update={"sources": ""})
    result = ContextRunner(ctx).invoke(app, ["sources"])
    assert result.exit_code == 0 and "SOURCES is empty" in result.stdout


@pytest.mark.parametrize("command", [["sources"], ["run", "--http"]])
def test_a_bad_sources_setting_stops_a_command_with_one_line_naming_it(
    tmp_path: Path, command: list[str]
) -> None:
    env = {
        **os.environ,
        "SOURCES": "hf-daily rss:cs.CV",
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        "PYTHONPATH": str(REPO),
    }
    done = subprocess.run([PAPERBOY, *command], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("error: SOURCES: unknown source 'rss:cs.CV'")
    assert done.stderr.count("\n") == 1


def test_fetch_command_refuses_a_since_it_cannot_honour(ctx) -> None:
    runner = ContextRunner(ctx)
    future = (datetime.now().date() + timedelta(days=3)).isoformat()
    result = runner.invoke(app, ["fetch", "--since", future])
    assert result.exit_code == 2 and "is in the future" in result.output
    past = (datetime.now().date() - timedelta(days=3)).isoformat()
    arxiv = runner.invoke(app, ["fetch", "--source", "arxiv:cs.CV+cs.LG", "--since", past])
    assert arxiv.exit_code == 2 and "backfills Hugging Face only" in arxiv.output
