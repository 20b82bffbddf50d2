"""`paperboy demo`: the whole pipeline, offline, on the sample sources shipped in the package.

It uses its own throwaway SQLite database (`data/demo.db`, recreated each run), so it never
touches a real installation: ingest the samples → two example members → each member's
digest with reasons and summaries → a search → what to do next.
"""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from bot import members
from bot.context import Context, build_context
from bot.digest import build_member_digest
from bot.settings import Settings
from cli import app
from jobs.ingest import ingest_paths

DEMO_TEAM = "TDEMO"
DEMO_MEMBERS = {
    "UDEMOALICE": ["video frame interpolation", "diffusion models for video generation"],
    "UDEMOBOB": ["graph neural networks for molecules", "protein structure prediction"],
}
DEMO_QUERY = "frame interpolation"


def _sample_files() -> list[Path]:
    folder = resources.files("bot") / "samples"
    return sorted(Path(str(item)) for item in folder.iterdir() if item.is_file())


def _ingest(ctx: Context, console: Console) -> None:
    files = _sample_files()
    with console.status("Loading the embedding model and ingesting the sample sources…"):
        report = ingest_paths(ctx, files)
    table = Table(title="Ingest", title_justify="left")
    for column in ("file", "format", "papers", "new", "duplicates"):
        table.add_column(column)
    for file in report.files:
        table.add_row(
            Path(file.path).name,
            file.format or "-",
            str(file.papers),
            str(file.new),
            str(file.duplicates),
        )
    console.print(table)
    console.print(f"{report.new} distinct papers stored, {report.duplicates} duplicates dropped.\n")


def _show_digests(ctx: Context, console: Console) -> None:
    for user_id, interests in DEMO_MEMBERS.items():
        members.ensure_member(ctx, DEMO_TEAM, user_id, timezone="Europe/Berlin")
        for interest in interests:
            members.follow(ctx, DEMO_TEAM, user_id, interest)
        digest = build_member_digest(ctx, DEMO_TEAM, user_id)
        console.rule(f"[bold]{user_id}[/] follows: " + "; ".join(interests))
        if not digest.items:
            console.print(digest.note or "nothing today")
        for rank, item in enumerate(digest.items, 1):
            console.print(f"[bold]{rank}. {item.paper.title}[/]  [dim]{item.paper.url}[/]")
            source = item.paper.gist_source if item.paper.gist else None
            by = f" ({source} AI summary)" if source else ""
            console.print(f"   [dim]{item.gist}{by}[/]")
            if item.paper.code_url:
                console.print(f"   [blue]code:[/] {item.paper.code_url}")
            console.print(f"   [green]why:[/] {item.reason}")
            console.print(f"   [cyan]summary:[/] {item.summary}\n")


def _show_search(ctx: Context, console: Console) -> None:
    console.rule(f"[bold]search[/] “{DEMO_QUERY}”")
    for hit in ctx.library.search(DEMO_QUERY, limit=3):
        console.print(f"{hit.score:.3f}  {hit.paper.title}")


@app.command("demo")
def demo(
    database: Path = typer.Option(Path("data/demo.db"), help="Throwaway SQLite file to use."),
) -> None:
    """Run ingest → match → digests offline on the bundled samples."""
    console = Console()
    started = time.perf_counter()
    database.unlink(missing_ok=True)
    settings = Settings(database_url=f"sqlite:///{database}")
    ctx = build_context(settings)
    try:
        _ingest(ctx, console)
        _show_digests(ctx, console)
        _show_search(ctx, console)
    finally:
        ctx.db.dispose()
    console.print(f"\nDemo finished in {time.perf_counter() - started:.1f} s.")
    console.print(
        "Next: connect Slack — create the app from deploy/slack-manifest.yml, put "
        "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET in .env (see .env.example), then run "
        "`.venv/bin/paperboy run --http` and type `/papers follow <your interest>` in Slack."
    )
