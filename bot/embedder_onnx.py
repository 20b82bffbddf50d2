"""The ONNX Runtime backend of the embedder (`EMBEDDING_BACKEND=onnx`, extra `paperboy[onnx]`).

The sentence-transformers model's transformer is exported once with `torch.onnx` (the
TorchScript exporter, which needs the `onnx` package) into a cache folder beside the data
(`EMBEDDING_ONNX_DIR`, default `data/models/<model>-onnx/`), because the bundled model lives
in site-packages, which may be read-only. Later processes load `model.onnx`, the saved
tokenizer and `paperboy-onnx.json` from there without exporting again. Inference is
tokenise → ONNX Runtime → mean/CLS pooling → L2 normalisation in numpy, the same pipeline
sentence-transformers runs with torch.

sentence-transformers' own `backend="onnx"` is not used: it needs `optimum-onnx`, whose only
release pins transformers < 4.58 and does not import with transformers 5.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "META_FILE",
    "OnnxModel",
    "OnnxUnavailableError",
    "export_onnx",
    "onnx_model_dir",
    "present",
    "require_onnxruntime",
]

META_FILE = "paperboy-onnx.json"
_FORMAT = 1
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class OnnxUnavailableError(RuntimeError):
    """`EMBEDDING_BACKEND=onnx` without the optional dependencies installed."""


def require_onnxruntime() -> None:
    """Fail with one clear line when the `onnx` extra is missing.

    Raises:
        OnnxUnavailableError: `onnxruntime` or `onnx` cannot be imported.
    """
    try:
        import onnx  # noqa: F401  (needed to export)
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        raise OnnxUnavailableError(
            f"EMBEDDING_BACKEND=onnx needs the 'onnx' extra ({exc.name or 'onnxruntime'} is "
            "missing): pip install 'paperboy[onnx]', or set EMBEDDING_BACKEND=torch"
        ) from None


def onnx_model_dir(root: Path, model_name: str) -> Path:
    """The folder the export of `model_name` (`bundled:all-MiniLM-L6-v2`, a hub name or path)
    lives in: `<root>/<slug>-onnx`, `root` being `EMBEDDING_ONNX_DIR`."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_name.removeprefix("bundled:")).strip("._")
    return root / f"{slug or 'model'}-onnx"


def _meta(folder: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def present(folder: Path, source: str) -> bool:
    """Whether `folder` holds a complete export of the model loaded from `source`."""
    meta = _meta(folder)
    return bool(
        meta
        and meta.get("format") == _FORMAT
        and meta.get("source") == source
        and (folder / "model.onnx").is_file()
    )


def export_onnx(model: SentenceTransformer, source: str, target: Path) -> Path:
    """Export a loaded sentence-transformers model to `target` unless already there.

    The export is written to a temporary sibling folder and renamed into place, so a
    process never loads a half-written model and concurrent exports do not clash. `model`
    is Transformer → Pooling (mean or cls) [→ Normalize]; `source` is where it was loaded
    from (a different source re-exports). Returns `target`, created if need be.

    Raises:
        ValueError: the model's modules are not a plain transformer + mean/CLS pooling.
    """
    if present(target, source):
        return target
    import torch

    modules = list(model)
    pooling = modules[1].get_config_dict() if len(modules) > 1 else {}
    mode = pooling.get("pooling_mode") or (  # sentence-transformers < 6 spelled it out
        "mean"
        if pooling.get("pooling_mode_mean_tokens")
        else "cls"
        if pooling.get("pooling_mode_cls_token")
        else None
    )
    if (
        len(modules) not in (2, 3)
        or type(modules[0]).__name__ != "Transformer"
        or mode not in ("mean", "cls")
        or (len(modules) == 3 and type(modules[2]).__name__ != "Normalize")
    ):
        kinds = " → ".join(type(m).__name__ for m in modules)
        raise ValueError(
            f"EMBEDDING_BACKEND=onnx supports transformer + mean/CLS pooling, not {kinds}"
        )
    transformer = modules[0].auto_model.eval()
    tokenizer = model.tokenizer
    example = tokenizer(
        ["an example", "a slightly longer example"], padding=True, return_tensors="pt"
    )
    names = [name for name in _INPUTS if name in example]

    class _Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = transformer

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(names, tensors, strict=True))).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f"{target.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    try:
        axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer and exporter deprecation chatter
            torch.onnx.export(
                _Hidden(),
                tuple(example[name] for name in names),
                str(scratch / "model.onnx"),
                dynamo=False,
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
            )
        tokenizer.save_pretrained(str(scratch))
        meta = {
            "format": _FORMAT,
            "source": source,
            "inputs": names,
            "pooling": mode,
            "normalize": len(modules) == 3,
            "max_seq_length": int(model.max_seq_length),
            "dim": int(
                pooling.get("embedding_dimension")
                or pooling.get("word_embedding_dimension")
                or transformer.config.hidden_size
            ),
        }
        (scratch / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        try:
            os.replace(scratch, target)
        except OSError:  # another process finished first
            if not _meta(target):
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


class OnnxModel:
    """An exported model run by ONNX Runtime on CPU, with sentence-transformers' pooling."""

    def __init__(self, folder: Path):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        meta = _meta(folder)
        if not meta:
            raise FileNotFoundError(f"no ONNX export in {folder} ({META_FILE} missing)")
        self._meta = meta
        self._tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self._tokenizer_lock = threading.Lock()  # fast tokenizers are not re-entrant
        options = ort.SessionOptions()
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )

    @property
    def dim(self) -> int:
        """Vector length."""
        return int(self._meta["dim"])

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Embed `texts` as float32 rows (unit length when the model normalises).

        Texts are batched longest first, as sentence-transformers does, to pad little.
        """
        order = np.argsort([-len(text) for text in texts], kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            with self._tokenizer_lock:
                tokens = self._tokenizer(
                    [texts[i] for i in rows],
                    padding=True,
                    truncation=True,
                    max_length=self._meta["max_seq_length"],
                    return_tensors="np",
                )
            feed = {name: tokens[name].astype(np.int64) for name in self._meta["inputs"]}
            hidden = self._session.run(None, feed)[0]
            if self._meta["pooling"] == "cls":
                vectors = hidden[:, 0]
            else:
                mask = tokens["attention_mask"][..., None].astype(np.float32)
                vectors = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            if self._meta["normalize"]:
                norms = np.linalg.norm(vectors, axis=1, keepdims=True)
                vectors = vectors / np.clip(norms, 1e-12, None)
            out[rows] = vectors
        return out
