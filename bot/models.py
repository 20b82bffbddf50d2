"""SQLModel tables: the only persistent state paperboy has.

One module so that the schema reads in one place. Alembic migrations in
`bot/migrations/` are generated from these classes. Times are stored as naive UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import NaiveDatetime  # a plain `datetime` maps to sqlmodel's tz-aware UTCDateTime
from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.schedule import Schedule

__all__ = [
    "Channel",
    "ChannelPost",
    "Delivery",
    "Embedding",
    "Feedback",
    "InboxFile",
    "Interest",
    "Lease",
    "Member",
    "MemberFilter",
    "Outbox",
    "PaperRow",
    "SeedPaper",
    "SourceFetch",
    "utcnow",
]


def utcnow() -> datetime:
    """Now, as the naive UTC datetime every table stores."""
    return datetime.now(UTC).replace(tzinfo=None)


class Embedding(SQLModel, table=True):
    """A vector, keyed by a hash of (model, text), so no text is embedded twice per model."""

    key: str = Field(primary_key=True, max_length=64)
    model: str = Field(max_length=300)
    dim: int
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class PaperRow(SQLModel, table=True):
    """A deduplicated paper: the same arXiv id or normalized title is stored once."""

    __tablename__ = "paper"

    id: int | None = Field(default=None, primary_key=True)
    arxiv_id: str | None = Field(default=None, unique=True, index=True, max_length=40)
    title_key: str = Field(unique=True, index=True, max_length=1000)
    title: str
    abstract: str = ""
    authors: str = "[]"  # JSON list of names
    author_count: int | None = None
    published: date | None = None
    upvotes: int | None = None
    url: str | None = None
    source: str | None = None
    # arXiv's announce type when the first source had one: new | cross | replace |
    # replace-cross; a replacement is stored and searchable but never delivered as new
    announce: str | None = Field(default=None, max_length=16)
    gist: str | None = None  # a one-line summary the source wrote (HF's ai_summary)
    gist_source: str | None = Field(default=None, max_length=100)  # who wrote the gist
    code_url: str | None = None  # the paper's code repository
    embedding_key: str | None = Field(default=None, foreign_key="embedding.key", max_length=64)
    ingested_at: NaiveDatetime = Field(default_factory=utcnow, index=True)
    # when a fuller copy replaced a truncated abstract (and its vector); None: never
    revised_at: NaiveDatetime | None = Field(default=None, index=True)


class InboxFile(SQLModel, table=True):
    """A source file seen by ingest, remembered by content hash (ok or failed, with why)."""

    __tablename__ = "inbox_file"

    id: int | None = Field(default=None, primary_key=True)
    content_hash: str = Field(unique=True, index=True, max_length=64)
    path: str
    format: str | None = None
    status: str = "ok"  # ok | failed
    papers: int = 0
    new: int = 0
    duplicates: int = 0
    error: str | None = None
    ingested_at: NaiveDatetime = Field(default_factory=utcnow)


class SourceFetch(SQLModel, table=True):
    """What the last fetch of one configured source (`SOURCES`) did, and when the next is
    due; its validators (ETag, Last-Modified) make an unchanged feed cost nothing."""

    __tablename__ = "source_fetch"

    name: str = Field(primary_key=True, max_length=200)  # "hf-daily", "arxiv:cs.CV+cs.LG"
    url: str | None = None  # the last URL requested
    etag: str | None = Field(default=None, max_length=300)
    last_modified: str | None = Field(default=None, max_length=100)
    attempted_at: NaiveDatetime | None = None
    succeeded_at: NaiveDatetime | None = None
    result: str | None = Field(default=None, max_length=20)  # ok | unchanged | empty | failed
    error: str | None = None  # the one-line reason of the last failure
    papers: int | None = None  # papers in the last file written
    file: str | None = None  # the inbox file last written
    next_run_at: NaiveDatetime | None = None


class Member(SQLModel, table=True):
    """One Slack user in one workspace, with their subscription settings."""

    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(default="", max_length=32)
    user_id: str = Field(index=True, max_length=32)
    timezone: str = "UTC"
    delivery_time: str = Schedule.time  # HH:MM, local to `timezone`
    days: str = ",".join(Schedule.days)
    max_papers: int = 5
    threshold: float = 0.40  # DEFAULT_THRESHOLD's default: the members service sets it
    popularity_boost: bool = True
    paused: bool = False
    show_closest: bool = False
    share_votes: bool = False  # "show my 👍 to my team": named in /papers hot, counted there
    last_digest_at: NaiveDatetime | None = None
    created_at: NaiveDatetime = Field(default_factory=utcnow)


class Interest(SQLModel, table=True):
    """A free-text interest line; each is embedded and matched on its own. One row per
    member and text, so a double-submitted follow stores it once."""

    __table_args__ = (Index("uq_interest_member_text", "member_id", "text", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    text: str = Field(max_length=500)
    created_at: NaiveDatetime = Field(default_factory=utcnow)


class SeedPaper(SQLModel, table=True):
    """A paper the member named as 'more like this', or one of their imported library."""

    __table_args__ = (UniqueConstraint("member_id", "paper_id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    paper_id: int = Field(foreign_key="paper.id")
    origin: str = Field(default="added", max_length=16)  # added | library (an import)
    created_at: NaiveDatetime = Field(default_factory=utcnow)


class Feedback(SQLModel, table=True):
    """A member's 👍 (+1), 👎 (-1) or save (0) on a paper; the last word wins."""

    __table_args__ = (UniqueConstraint("member_id", "paper_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    paper_id: int = Field(foreign_key="paper.id")
    kind: str = "vote"  # vote | save
    value: int = 0
    created_at: NaiveDatetime = Field(default_factory=utcnow)


class MemberFilter(SQLModel, table=True):
    """A must-match keyword, a mute (word or author), or a followed author."""

    __table_args__ = (UniqueConstraint("member_id", "kind", "term"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str  # keyword | mute | author (followed: their papers always reach the member)
    term: str = Field(max_length=200)


class Delivery(SQLModel, table=True):
    """A paper a member has received, by DM or channel: never sent to them again."""

    __table_args__ = (UniqueConstraint("member_id", "paper_id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    paper_id: int = Field(foreign_key="paper.id")
    outbox_id: int | None = Field(default=None, foreign_key="outbox.id")
    delivered_at: NaiveDatetime = Field(default_factory=utcnow)


class Channel(SQLModel, table=True):
    """A channel that gets a daily team digest."""

    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(default="", max_length=32)
    channel_id: str = Field(index=True, max_length=32)
    enabled: bool = True
    timezone: str = "UTC"
    delivery_time: str = Schedule.time
    days: str = ",".join(Schedule.days)
    hot_weekly: bool = False  # a weekly "Hot in #channel" post on its last digest day
    last_digest_at: NaiveDatetime | None = None
    created_at: NaiveDatetime = Field(default_factory=utcnow)


class ChannelPost(SQLModel, table=True):
    """Where a paper was posted in a channel, so a repeat links to the earlier thread."""

    __table_args__ = (UniqueConstraint("channel_id", "paper_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    paper_id: int = Field(foreign_key="paper.id")
    ts: str
    posted_at: NaiveDatetime = Field(default_factory=utcnow)


class Outbox(SQLModel, table=True):
    """A message to Slack, written before it is sent; `key` makes a second send impossible."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True, max_length=200)  # e.g. dm:T1:U1:2026-11-26
    kind: str  # dm | channel | hot (the weekly "what the lab is reading" post)
    recipient: str = Field(max_length=32)  # user id or channel id
    period: str = Field(max_length=32)  # the recipient's local digest date
    payload: str  # JSON: {"text": ..., "blocks": [...], "paper_ids": [...]}
    state: str = Field(default="pending", index=True)  # pending | sending | sent | failed
    attempts: int = 0
    last_error: str | None = None
    conversation: str | None = None
    ts: str | None = None
    next_attempt_at: NaiveDatetime = Field(default_factory=utcnow)
    claimed_by: str | None = None
    claimed_until: NaiveDatetime | None = None
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    sent_at: NaiveDatetime | None = None


class Lease(SQLModel, table=True):
    """A named lease (the scheduler leader's) that its holder renews and others take over."""

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=200)
    expires_at: NaiveDatetime
