"""`paperboy run` as a real process (clean SIGTERM, token errors) and `deliver`/`outbox`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import members
from bot.context import Context
from bot.store import outbox
from cli import app
from jobs.ingest import ingest_paths
from tests.cli_runner import ContextRunner
from tests.fake_slack import FakeSlack
from tests.payloads import signed_headers, slash_command

PAPERBOY = Path(sys.executable).with_name("paperboy")


def process_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    (tmp_path / "inbox").mkdir(exist_ok=True)
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    return {**keep, "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
            "INBOX_DIR": str(tmp_path / "inbox"), "HF_HUB_OFFLINE": "1", **extra}  # fmt: skip


@pytest.mark.parametrize(
    ("args", "variable"),
    [
        (["run", "--http"], "SLACK_BOT_TOKEN"),
        (["run", "--socket"], "SLACK_BOT_TOKEN"),
        (["serve", "--http"], "SLACK_BOT_TOKEN"),
    ],
)
def test_missing_token_is_one_line_naming_the_variable(tmp_path, args, variable) -> None:
    done = subprocess.run([PAPERBOY, *args], env=process_env(tmp_path), cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and variable in done.stderr


def test_socket_mode_needs_the_app_token(tmp_path) -> None:
    env = process_env(tmp_path, SLACK_BOT_TOKEN="xoxb-1-secret")
    done = subprocess.run([PAPERBOY, "run", "--socket"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and "SLACK_APP_TOKEN" in done.stderr
    assert "xoxb-1-secret" not in done.stderr


@pytest.fixture
def running(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[subprocess.Popen[str]]:
    env = process_env(
        tmp_path, SLACK_BOT_TOKEN="xoxb-run-secret-token", SLACK_SIGNING_SECRET="sign-secret",
        SLACK_API_URL=fake_slack.url, LOG_FORMAT="json", TICK_SECONDS="5",
    )  # fmt: skip
    proc = subprocess.Popen([PAPERBOY, "run", "--http", "--host", "127.0.0.1", "--port", "0"],
                            env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)  # fmt: skip
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_sigterm_stops_cleanly_with_structured_logs(running: subprocess.Popen[str]) -> None:
    assert running.stderr is not None
    lines = []
    for line in running.stderr:  # wait until the service and its first deliver tick ran
        lines.append(line)
        if '"job": "deliver"' in line:
            break
    started = next(json.loads(x) for x in lines if '"event": "started"' in x)
    url = f"http://127.0.0.1:{started['port']}/healthz"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
    running.send_signal(signal.SIGTERM)
    _, rest = running.communicate(timeout=60)
    output = "".join(lines) + rest
    assert running.returncode == 0, output
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    names = [e.get("event") for e in events]
    assert names.index("started") < names.index("stopping") < names.index("stopped")
    job = next(e for e in events if e.get("job") == "deliver")
    assert {"job", "due", "sent", "seconds"} <= set(job)
    assert "secret" not in output and "WARNING" not in output and "error" not in output


@pytest.fixture
def cli(ctx: Context, fake_slack: FakeSlack) -> CliRunner:
    ctx.settings = ctx.settings.model_copy(update={"slack_api_url": fake_slack.url})
    path = ctx.settings.inbox_dir / "d.jsonl"
    path.write_text(json.dumps({"title": "Graph neural networks", "abstract": "graphs"}))
    ingest_paths(ctx, [path])
    for user_id in ("U1", "U2"):
        members.ensure_member(ctx, "T1", user_id)
        members.follow(ctx, "T1", user_id, "graph neural networks")
        members.update_settings(ctx, "T1", user_id, days="daily", threshold=0.1)
    return ContextRunner(ctx)


def test_deliver_now_dry_run_sends_nothing(cli: CliRunner, ctx, fake_slack) -> None:
    result = cli.invoke(app, ["deliver", "--now", "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dry_run"] and report["due"] == 2
    assert [d["papers"] for d in report["digests"]] == [1, 1]
    assert outbox.list_rows(ctx.db) == [] and fake_slack.calls("chat.postMessage") == []


def test_deliver_now_for_one_member_then_list_the_outbox(cli: CliRunner, fake_slack) -> None:
    result = cli.invoke(app, ["deliver", "--now", "--member", "U2"])
    assert result.exit_code == 0, result.output
    assert "sent=1" in result.stdout
    assert fake_slack.messages("DU1") == [] and len(fake_slack.messages("DU2")) == 1
    listing = json.loads(cli.invoke(app, ["outbox", "--json"]).stdout)
    assert [(r["recipient"], r["state"]) for r in listing] == [("U2", "sent")]
    assert "the outbox is empty" in cli.invoke(app, ["outbox", "--failed"]).stdout


def test_outbox_failed_shows_the_reason(cli: CliRunner, fake_slack) -> None:
    fake_slack.fail_next("chat.postMessage", error="user_not_found")
    cli.invoke(app, ["deliver", "--now", "--member", "U1"])
    result = cli.invoke(app, ["outbox", "--failed"])
    assert "failed" in result.stdout and "user_not_found" in result.stdout


def test_sigterm_right_after_an_ack_still_sends_the_reply(
    running: subprocess.Popen[str], fake_slack: FakeSlack
) -> None:
    assert running.stderr is not None
    started = next(json.loads(x) for x in running.stderr if '"event": "started"' in x)
    request = slash_command("graph neural networks", response_url=fake_slack.response_url("t1"))
    body = request.body.encode()
    headers = {
        "Content-Type": request.content_type,
        **signed_headers(request.body, secret="sign-secret"),
    }
    url = f"http://127.0.0.1:{started['port']}/slack/events"
    with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=10) as response:
        assert response.status == 200  # acked; the search (first one loads the model) is owed
    running.send_signal(signal.SIGTERM)
    _, rest = running.communicate(timeout=90)
    assert running.returncode == 0, rest
    assert fake_slack.calls("respond"), "the acknowledged command got no reply before exit"


def test_socket_mode_with_a_refused_app_token_fails_fast(tmp_path, fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("apps.connections.open", error="invalid_auth")
    env = process_env(tmp_path, SLACK_BOT_TOKEN="xoxb-1-secret", SLACK_API_URL=fake_slack.url,
                      SLACK_APP_TOKEN="xapp-1-A1-revoked")  # fmt: skip
    done = subprocess.run([PAPERBOY, "run", "--socket"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=90)  # fmt: skip
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "SLACK_APP_TOKEN" in last and "invalid_auth" in last
    assert "xapp-1-A1-revoked" not in done.stderr and "xoxb-1-secret" not in done.stderr


def test_a_refused_bot_token_stops_the_start_naming_the_variable(
    tmp_path, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("auth.test", error="invalid_auth")
    env = process_env(tmp_path, SLACK_BOT_TOKEN="xoxb-1-revoked", SLACK_API_URL=fake_slack.url,
                      SLACK_SIGNING_SECRET="s3cret")  # fmt: skip
    done = subprocess.run([PAPERBOY, "serve", "--http", "--port", "0"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=90)  # fmt: skip
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "SLACK_BOT_TOKEN" in last and "invalid_auth" in last
    assert "xoxb-1-revoked" not in done.stderr
