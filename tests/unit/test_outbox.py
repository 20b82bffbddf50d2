"""bot.store.outbox: one row per key, claims that never overlap, outcomes recorded."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.db import Database
from bot.store import outbox
from bot.store.outbox import OutboxPayload

NOW = datetime(2026, 11, 26, 8, 0)
LEASE = timedelta(minutes=5)


@pytest.fixture
def db(database_url: str) -> Database:
    database = Database(database_url)
    database.create_all()
    yield database
    database.dispose()


def add(db: Database, key: str = "dm:T1:U1:2026-11-26", **kwargs: object) -> int | None:
    fields: dict = {"kind": "dm", "recipient": "U1", "period": "2026-11-26", "now": NOW}
    fields.update(kwargs)
    return outbox.enqueue(db, key=key, payload=OutboxPayload("hi", paper_ids=[1, 2]), **fields)


def test_second_insert_for_the_same_key_is_a_no_op(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int | None] = []
    monkeypatch.setattr(outbox, "record_deliveries", lambda *a, **k: calls.append(k["outbox_id"]))
    first = add(db, member_id=7)
    assert first is not None and calls == [first]
    assert add(db, member_id=7) is None
    assert calls == [first]  # the second write recorded no deliveries either
    assert [r.key for r in outbox.list_rows(db)] == ["dm:T1:U1:2026-11-26"]


def test_row_and_its_deliveries_commit_together(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("crash while recording deliveries")

    monkeypatch.setattr(outbox, "record_deliveries", broken)
    with pytest.raises(RuntimeError):
        add(db, member_id=7)
    assert outbox.list_rows(db) == []
    monkeypatch.undo()
    assert add(db) is not None


def test_claim_takes_due_pending_rows_once(db: Database) -> None:
    row_id = add(db)
    assert outbox.claim_next(db, worker="w1", now=NOW - timedelta(seconds=1), lease=LEASE) is None
    claimed = outbox.claim_next(db, worker="w1", now=NOW, lease=LEASE)
    assert claimed is not None and claimed.id == row_id
    assert claimed.attempts == 1 and not claimed.recovered
    assert claimed.payload.paper_ids == [1, 2]
    assert outbox.claim_next(db, worker="w2", now=NOW + timedelta(minutes=1), lease=LEASE) is None


def test_expired_claim_is_recovered_for_verification(db: Database) -> None:
    add(db)
    outbox.claim_next(db, worker="crashed", now=NOW, lease=LEASE)
    again = outbox.claim_next(db, worker="w2", now=NOW + LEASE + timedelta(seconds=1), lease=LEASE)
    assert again is not None and again.recovered and again.attempts == 2


def test_release_lets_the_next_round_verify_at_once(db: Database) -> None:
    add(db)
    claimed = outbox.claim_next(db, worker="w1", now=NOW, lease=LEASE)
    assert claimed is not None
    outbox.release(db, claimed.id, now=NOW)
    again = outbox.claim_next(db, worker="w1", now=NOW + timedelta(seconds=1), lease=LEASE)
    assert again is not None and again.recovered


def test_outcomes(db: Database) -> None:
    sent_id, retry_id, failed_id = (
        add(db, key=f"dm:T1:U{i}:d", recipient=f"U{i}") for i in (1, 2, 3)
    )
    for _ in range(3):
        outbox.claim_next(db, worker="w", now=NOW, lease=LEASE)
    outbox.set_conversation(db, sent_id, "DU1")
    outbox.mark_sent(db, sent_id, ts="1.0", conversation="DU1", now=NOW)
    outbox.reschedule(
        db, retry_id, error="internal_error", next_attempt_at=NOW + timedelta(hours=1)
    )
    outbox.mark_failed(db, failed_id, error="account_inactive")

    states = {r.recipient: (r.state, r.ts, r.last_error) for r in outbox.list_rows(db)}
    assert states == {
        "U1": ("sent", "1.0", None),
        "U2": ("pending", None, "internal_error"),
        "U3": ("failed", None, "account_inactive"),
    }
    assert outbox.claim_next(db, worker="w", now=NOW + timedelta(minutes=59), lease=LEASE) is None
    retried = outbox.claim_next(db, worker="w", now=NOW + timedelta(hours=1), lease=LEASE)
    assert retried is not None and retried.id == retry_id and retried.recovered
    assert [r.id for r in outbox.list_rows(db, states=["failed"])] == [failed_id]


def test_failed_mark_sent_changes_nothing(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    payload = OutboxPayload("hi", paper_ids=[1], channel_row_id=3)
    row_id = outbox.enqueue(
        db, key="channel:T1:C1:x", kind="channel", recipient="C1", period="x", payload=payload,
        now=NOW,
    )  # fmt: skip
    assert row_id is not None
    outbox.claim_next(db, worker="w", now=NOW, lease=LEASE)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("crash while remembering the channel's posts")

    monkeypatch.setattr(outbox, "record_channel_posts", broken)
    with pytest.raises(RuntimeError):
        outbox.mark_sent(db, row_id, ts="1.0", conversation="C1", now=NOW)
    (row,) = outbox.list_rows(db)
    assert (row.state, row.ts) == ("sending", None)


def test_skipped_and_failed_rows_are_never_claimed_but_count_as_done(db: Database) -> None:
    add(db, key="k1", state="skipped")
    add(db, key="k2", state="failed", error="not_in_channel")
    assert outbox.claim_next(db, worker="w", now=NOW, lease=LEASE) is None
    assert outbox.existing_keys(db, since=NOW - timedelta(days=1)) == {"k1", "k2"}
    assert outbox.existing_keys(db, since=NOW + timedelta(seconds=1)) == set()


def test_recent_failures_for_the_home_tab(db: Database) -> None:
    add(db, key="dm:T1:U1:a", state="failed", error="account_inactive")
    add(db, key="dm:T1:U1:b")
    add(db, key="dm:T1:U2:a", recipient="U2", state="failed", error="user_not_found")
    with db.session() as session:
        failures = outbox.recent_failures(session, "U1")
    assert [(f.key, f.last_error, f.papers) for f in failures] == [
        ("dm:T1:U1:a", "account_inactive", 2)
    ]
