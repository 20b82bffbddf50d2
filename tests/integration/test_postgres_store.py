"""Store behaviours on both backends (SQLite, PostgreSQL), and PostgreSQL's row locking.

`database_url` is overridden with `any_database_url`, so every `ctx` test here runs twice;
the PostgreSQL runs skip when no server is configured.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from bot.context import Context
from bot.models import Delivery, Member, Outbox, PaperRow, utcnow
from bot.paper import Paper
from bot.store import members as member_store
from bot.store import outbox as outbox_store
from bot.store import papers as paper_store
from bot.store.outbox import OutboxPayload
from bot.store.papers import InboxRecord
from jobs.ingest import store_papers

PAPERS = [
    Paper("Sparse Attention for Long Documents", "We sparsify attention.", arxiv_id="2501.00001"),
    Paper("Protein Folding with Diffusion", "Diffusion folds proteins.", upvotes=3),
]


@pytest.fixture
def database_url(any_database_url: str) -> str:
    return any_database_url


def _save(ctx: Context, papers: list[Paper], content_hash: str) -> paper_store.SaveResult:
    record = InboxRecord(content_hash, f"{content_hash}.jsonl", "jsonl")
    return store_papers(ctx, papers, record=record)


def _papers(ctx: Context) -> list[PaperRow]:
    with ctx.db.session() as session:
        return list(session.exec(select(PaperRow).order_by(col(PaperRow.id))))


def test_papers_are_deduplicated_and_enriched(ctx: Context) -> None:
    first = _save(ctx, PAPERS, "h1")
    assert len(first.new_ids) == 2
    again = [
        Paper("sparse attention for long documents", arxiv_id="2501.00001v2"),
        Paper("Protein folding with diffusion!", upvotes=9, published=date(2025, 1, 2)),
        Paper("A Third Paper", "New."),
    ]
    second = _save(ctx, again, "h2")
    assert (len(second.new_ids), second.duplicates) == (1, 2)
    rows = _papers(ctx)
    assert [r.title for r in rows] == [p.title for p in PAPERS] + ["A Third Paper"]
    assert (rows[1].upvotes, rows[1].published) == (9, date(2025, 1, 2))


def _member_id(ctx: Context) -> int:
    member = member_store.ensure_member(ctx.db, "T1", "U1")
    assert member.id is not None
    return member.id


def test_outbox_key_is_written_once_with_its_deliveries(ctx: Context) -> None:
    ids = _save(ctx, PAPERS, "h1").new_ids
    member_id = _member_id(ctx)

    def enqueue() -> int | None:
        return outbox_store.enqueue(
            ctx.db, key="dm:T1:U1:2026-11-26", kind="dm", recipient="U1",
            period="2026-11-26", payload=OutboxPayload("hi", paper_ids=ids), now=utcnow(),
            member_id=member_id,
        )  # fmt: skip

    assert enqueue() is not None
    assert enqueue() is None
    with ctx.db.session() as session:
        assert len(session.exec(select(Outbox)).all()) == 1
        assert sorted(d.paper_id for d in session.exec(select(Delivery))) == sorted(ids)


def test_deliveries_are_recorded_once_and_move_the_watermark(ctx: Context) -> None:
    ids = _save(ctx, PAPERS, "h1").new_ids
    member_id = _member_id(ctx)
    at = utcnow().replace(microsecond=0)
    with ctx.db.session() as session:
        member_store.record_deliveries(session, member_id, ids[:1], at=at - timedelta(days=1))
    with ctx.db.session() as session:
        member_store.record_deliveries(session, member_id, ids + ids, at=at)
    with ctx.db.session() as session:
        assert sorted(d.paper_id for d in session.exec(select(Delivery))) == sorted(ids)
        member = session.get(Member, member_id)
        assert member is not None and member.last_digest_at == at


def _enqueue_many(ctx: Context, count: int) -> None:
    now = utcnow() - timedelta(seconds=1)
    for n in range(count):
        outbox_store.enqueue(
            ctx.db, key=f"dm:T1:U{n}:2026-11-26", kind="dm", recipient=f"U{n}",
            period="2026-11-26", payload=OutboxPayload("hi"), now=now,
        )  # fmt: skip


@pytest.mark.postgres
@pytest.mark.parametrize("any_database_url", ["postgres"], indirect=True)
def test_concurrent_claimers_never_share_a_row(ctx: Context) -> None:
    _enqueue_many(ctx, 60)
    claimed: list[list[int]] = [[] for _ in range(4)]
    start = threading.Barrier(4)

    def claimer(mine: list[int], worker: str) -> None:
        start.wait()
        misses = 0
        while misses < 3:  # a lost race returns None; stop once the queue stays empty
            row = outbox_store.claim_next(
                ctx.db, worker=worker, now=utcnow(), lease=timedelta(minutes=5)
            )
            if row is None:
                misses += 1
                continue
            mine.append(row.id)

    threads = [threading.Thread(target=claimer, args=(claimed[n], f"w{n}")) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [row_id for mine in claimed for row_id in mine]
    assert len(everything) == len(set(everything)) == 60
    assert sum(1 for mine in claimed if mine) > 1  # they really ran side by side


@pytest.mark.postgres
@pytest.mark.parametrize("any_database_url", ["postgres"], indirect=True)
def test_a_locked_row_is_skipped_not_waited_for(ctx: Context) -> None:
    _enqueue_many(ctx, 2)
    got: list[outbox_store.Claimed | None] = []
    with ctx.db.session() as holder:  # another worker, mid-claim, holds the first row
        query = select(Outbox).order_by(col(Outbox.id)).limit(1).with_for_update()
        first = holder.exec(query).one()
        claim = threading.Thread(
            target=lambda: got.append(
                outbox_store.claim_next(ctx.db, worker="w2", now=utcnow(), lease=timedelta(1))
            )
        )
        claim.start()
        claim.join(timeout=10)
        assert not claim.is_alive(), "claim_next waited for a locked row"
    assert got[0] is not None and got[0].id != first.id
