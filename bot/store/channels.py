"""Every query on channel digests: which channels get one, when, and what was posted where.

A channel's digest is switched on and off here (with its time, time zone and days), and
each paper posted to a channel is remembered with the thread `ts` of its first post, so a
later digest links that thread instead of posting the paper again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.db import Database
from bot.models import Channel, ChannelPost, utcnow
from bot.store.papers import unrecorded_paper_ids

__all__ = [
    "enabled_channels",
    "get_channel",
    "posted_ts",
    "record_channel_posts",
    "set_channel",
    "stop_channel",
]


def set_channel(db: Database, team_id: str, channel_id: str, **values: Any) -> Channel:
    """Create or update a channel's digest settings (enabled, timezone, delivery_time, days);
    `values` are `Channel` columns, and a new channel is enabled unless told otherwise."""
    with db.session() as session:
        row = _channel(session, team_id, channel_id) or Channel(
            team_id=team_id, channel_id=channel_id
        )
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)
        session.flush()
        return row


def stop_channel(db: Database, channel_row_id: int) -> None:
    """Switch a channel's digest off after Slack said the bot cannot post there any more."""
    with db.session() as session:
        row = session.get(Channel, channel_row_id)
        if row is not None:
            row.enabled = False
            session.add(row)


def get_channel(db: Database, team_id: str, channel_id: str) -> Channel | None:
    """A channel's digest settings, or None when it never had a digest."""
    with db.session() as session:
        return _channel(session, team_id, channel_id)


def enabled_channels(db: Database) -> list[Channel]:
    """Every channel whose digest is on (for the scheduler)."""
    with db.session() as session:
        return list(
            session.exec(select(Channel).where(col(Channel.enabled)).order_by(col(Channel.id)))
        )


def posted_ts(db: Database, channel_row_id: int, paper_ids: Iterable[int]) -> dict[int, str]:
    """The thread ts of each of these papers' first post in the channel (unposted left out)."""
    ids = list(paper_ids)
    with db.session() as session:
        query = select(ChannelPost.paper_id, ChannelPost.ts).where(
            ChannelPost.channel_id == channel_row_id, col(ChannelPost.paper_id).in_(ids)
        )
        return {int(pid): ts for pid, ts in session.exec(query)}


def record_channel_posts(
    session: Session,
    channel_row_id: int,
    paper_ids: Iterable[int],
    ts: str,
    *,
    at: datetime | None = None,
) -> None:
    """Remember the papers a channel message carried, and move the channel's watermark.

    `channel_row_id` is `Channel.id` (not the Slack channel id); papers posted before keep
    their first thread; `at` (naive UTC, default now) becomes `last_digest_at`.
    """
    at = at or utcnow()
    for paper_id in unrecorded_paper_ids(
        session, ChannelPost.paper_id, ChannelPost.channel_id, channel_row_id, paper_ids
    ):
        session.add(ChannelPost(channel_id=channel_row_id, paper_id=paper_id, ts=ts, posted_at=at))
    channel = session.get(Channel, channel_row_id)
    if channel is not None:
        channel.last_digest_at = at
        session.add(channel)


def _channel(session: Session, team_id: str, channel_id: str) -> Channel | None:
    query = select(Channel).where(Channel.team_id == team_id, Channel.channel_id == channel_id)
    return session.exec(query).first()
