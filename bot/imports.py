"""Importing a member's library: a reference-manager export becomes their seed papers.

A library (BibTeX, RIS, Zotero CSV, or any source format `bot.sources` reads) is parsed
with the source parsers, each entry is matched against the stored papers by arXiv id, else
title (the dedup identity), and the most recent `LIBRARY_IMPORT_SEEDS` of those found
become the member's *library* seeds, replacing an earlier import's (the seeds the member
added stay). Nothing is ingested: an entry paperboy has not stored is reported, not
added. The report counts add up: `read = used + older + not_found + duplicates`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.context import Context
from bot.members import ensure_member
from bot.profiles import ProfileError
from bot.sources import ParseError, ParseResult, decode_bytes, parse_file, parse_text
from bot.store import members as member_store
from bot.store import papers as paper_store

__all__ = ["ImportReport", "import_bytes", "import_file", "import_library"]

EXAMPLES = 3  # titles named per reason a paper was skipped


@dataclass(frozen=True)
class ImportReport:
    """What an import did: entries read, found, used as seeds, and why others were not."""

    format: str
    read: int  # entries parsed into papers
    matched: int  # distinct stored papers found among them
    used: int  # became library seeds (the most recent `limit` of `matched`)
    not_found: int  # not among paperboy's papers
    duplicates: int  # the same paper listed again
    older: int  # found, but older than the `limit` most recent
    limit: int
    unreadable: int = 0  # entries the parser could not read (not counted in `read`)
    not_found_examples: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the parser's first few complaints


def import_file(
    ctx: Context, team_id: str, user_id: str, path: Path, *, format: str = "auto"
) -> ImportReport:
    """Import a library file from disk (`paperboy member import`).

    Raises:
        ProfileError: the file is missing, too large, or not a library paperboy can read.
    """
    try:
        result = parse_file(path, format=format, max_bytes=ctx.settings.library_import_max_bytes)
    except ParseError as error:
        raise ProfileError(f"I couldn't read {Path(path).name}: {error}") from None
    return import_library(ctx, team_id, user_id, result)


def import_bytes(
    ctx: Context, team_id: str, user_id: str, data: bytes, *, filename: str
) -> ImportReport:
    """Import a library from a file's bytes (a file dropped in the bot's DM).

    Raises:
        ProfileError: too large, or not a library paperboy can read.
    """
    limit = ctx.settings.library_import_max_bytes
    if len(data) > limit:
        raise ProfileError(f"{filename} is too large to import (the limit is {limit:,} bytes)")
    try:
        result = parse_text(decode_bytes(data), source=filename)
    except ParseError as error:
        raise ProfileError(f"I couldn't read {filename}: {error}") from None
    return import_library(ctx, team_id, user_id, result)


def import_library(ctx: Context, team_id: str, user_id: str, result: ParseResult) -> ImportReport:
    """Make the parsed library's most recent stored papers the member's library seeds
    (the member is created if new). When none is found, their seeds stay as they were."""
    ids = paper_store.stored_paper_ids(ctx.db, [p.identity for p in result.papers])
    found: dict[int, int] = {}  # paper id → its entry's position
    not_found: list[str] = []
    duplicates = 0
    for position, (paper, paper_id) in enumerate(zip(result.papers, ids, strict=True)):
        if paper_id is None:
            not_found.append(paper.title)
        elif paper_id in found:
            duplicates += 1
        else:
            found[paper_id] = position
    stored = ctx.library.papers(found)
    limit = ctx.settings.library_import_seeds

    def recency(paper_id: int) -> tuple[date, int]:
        entry = result.papers[found[paper_id]].published
        when = entry or (stored[paper_id].published if paper_id in stored else None)
        return (when or date.min, -found[paper_id])

    newest = sorted(found, key=recency, reverse=True)
    used = newest[:limit]
    if used:
        member = ensure_member(ctx, team_id, user_id)
        state = member_store.load_states(ctx.db, team_id, [member.user_id])[member.user_id]
        member_store.replace_library(ctx.db, state.member.id or 0, used)
    return ImportReport(
        format=result.format,
        read=len(result.papers),
        matched=len(found),
        used=len(used),
        not_found=len(not_found),
        duplicates=duplicates,
        older=len(newest) - len(used),
        limit=limit,
        unreadable=len(result.problems),
        not_found_examples=not_found[:EXAMPLES],
        problems=result.problems[:EXAMPLES],
    )
