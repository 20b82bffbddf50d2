"""The ONNX backend: its own cache key, a clear error without the extra, torch-equal vectors."""

from __future__ import annotations

import builtins
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.context import build_context
from bot.embedder import SentenceTransformerEmbedder, embedding_key
from bot.embedder_onnx import OnnxUnavailableError, onnx_model_dir
from bot.settings import DEFAULT_MODEL, Settings


def _hide_onnxruntime(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `import onnxruntime` fail as it does when the extra is not installed."""
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] == "onnxruntime":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "onnxruntime", raising=False)
    monkeypatch.setattr(builtins, "__import__", fake_import)


def test_onnx_vectors_are_keyed_apart_from_torch_vectors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.embedder_onnx.require_onnxruntime", lambda: None)
    torch = SentenceTransformerEmbedder()
    onnx = SentenceTransformerEmbedder(backend="onnx")
    assert torch.name == DEFAULT_MODEL == "bundled:all-MiniLM-L6-v2"
    assert onnx.name == "bundled:all-MiniLM-L6-v2#onnx"
    assert embedding_key(torch.name, "a text") != embedding_key(onnx.name, "a text")
    assert not onnx.loaded  # nothing is loaded or exported until the first encode


def test_settings_wire_the_backend(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("bot.embedder_onnx.require_onnxruntime", lambda: None)
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'p.db'}",
        embedding_backend="onnx",
        embedding_onnx_dir=tmp_path / "models",
    )
    ctx = build_context(settings)
    try:
        assert ctx.embedder.name.endswith("#onnx")
    finally:
        ctx.db.dispose()
    assert Settings(_env_file=None).embedding_backend == "torch"


def test_onnx_without_the_extra_fails_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _hide_onnxruntime(monkeypatch)
    with pytest.raises(OnnxUnavailableError) as caught:
        SentenceTransformerEmbedder(backend="onnx")
    message = str(caught.value)
    assert "\n" not in message
    assert "paperboy[onnx]" in message and "EMBEDDING_BACKEND" in message


def test_torch_backend_never_needs_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide_onnxruntime(monkeypatch)
    assert SentenceTransformerEmbedder().backend == "torch"


def test_unknown_backend_and_gpu_onnx_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.embedder_onnx.require_onnxruntime", lambda: None)
    with pytest.raises(ValueError, match="torch or onnx"):
        SentenceTransformerEmbedder(backend="tensorrt")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="EMBEDDING_DEVICE=cpu"):
        SentenceTransformerEmbedder(backend="onnx", device="cuda")


def test_export_folder_is_named_after_the_model(tmp_path: Path) -> None:
    assert onnx_model_dir(tmp_path, DEFAULT_MODEL) == tmp_path / "all-MiniLM-L6-v2-onnx"
    assert onnx_model_dir(tmp_path, "org/model name").name == "org_model_name-onnx"


@pytest.mark.model
def test_onnx_embeddings_match_torch(
    real_embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    texts = [
        "graph neural networks for molecules",
        "x",
        "Attention Is All You Need. The dominant sequence transduction models are based on "
        "complex recurrent or convolutional neural networks.",
        "diffusion models " * 200,  # longer than max_seq_length: truncated alike
        "q1",
        "q2",
    ]
    onnx = SentenceTransformerEmbedder(backend="onnx", onnx_dir=tmp_path)
    vectors = onnx.encode(texts)
    expected = real_embedder.encode(texts)
    assert vectors.dtype == np.float32 and vectors.shape == expected.shape
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (vectors * expected).sum(axis=1).min() >= 0.99
    assert onnx.dim == real_embedder.dim
    # a second embedder loads the export instead of exporting again
    folder = tmp_path / "all-MiniLM-L6-v2-onnx"
    stamp = (folder / "model.onnx").stat().st_mtime_ns
    again = SentenceTransformerEmbedder(backend="onnx", onnx_dir=tmp_path)
    assert np.allclose(again.encode(texts[:2]), vectors[:2], atol=1e-6)
    assert (folder / "model.onnx").stat().st_mtime_ns == stamp
