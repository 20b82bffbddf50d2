"""SIGTERM while the model is still loading: the process stops at once, without waiting for
a load whose result it would throw away. The model here never finishes loading (its
`modules.json` is a FIFO nobody writes), so a shutdown that waited would hang."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

from tests.fake_slack import FakeSlack
from tests.integration.test_run_process import PAPERBOY, process_env


def test_sigterm_during_the_model_load_exits_at_once(tmp_path: Path, fake_slack: FakeSlack) -> None:
    model = tmp_path / "never-loads"
    model.mkdir()
    os.mkfifo(model / "modules.json")
    env = process_env(
        tmp_path, SLACK_BOT_TOKEN="xoxb-run-token", SLACK_SIGNING_SECRET="sign-secret",
        SLACK_API_URL=fake_slack.url, LOG_FORMAT="json", EMBEDDING_MODEL=str(model),
    )  # fmt: skip
    proc = subprocess.Popen([PAPERBOY, "run", "--http", "--port", "0"], env=env, cwd=tmp_path,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if '"event": "started"' in line:
                break
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=60)  # a shutdown waiting for the load never ends
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, rest
    events = [json.loads(line).get("event") for line in rest.splitlines() if line.startswith("{")]
    assert "stopped" in events and "warmed up" not in events
