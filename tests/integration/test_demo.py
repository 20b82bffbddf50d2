"""`paperboy demo` runs the whole pipeline offline on the bundled samples (real model)."""

from __future__ import annotations

from typer.testing import CliRunner

from cli import _register, app


def test_demo_ingests_samples_and_prints_personal_digests() -> None:
    _register()
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "duplicates dropped" in result.output
    assert "matches your interest" in result.output
    assert "video frame interpolation" in result.output
    assert "graph neural networks for molecules" in result.output
    assert "Next: connect Slack" in result.output
