"""Turning a source file's bytes into text: what may be read, size limit, BOMs, encodings,
binary detection.

The only module of `bot.sources` that reads the file system. Only a regular file is read,
and with `within` only one that lives under that folder once links are resolved: a link in
the inbox pointing at `/etc/passwd`, a FIFO or a device is `Refused` unread. UTF-8 (with
or without BOM), UTF-16/32 with a BOM, and legacy cp1252/latin-1 text are accepted; NUL
bytes or a high share of control characters mark a binary file, which is refused like an
empty or oversized one.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from pathlib import Path

from bot.sources.base import FileUnavailable, ParseError, Refused

__all__ = ["DEFAULT_MAX_BYTES", "decode_bytes", "read_source", "read_source_bytes"]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_FALLBACKS = ("utf-8", "cp1252", "latin-1")
_MAX_CONTROL_SHARE = 0.01
# Unicode category Cc (C0, DEL, C1) less the whitespace controls a text file may hold;
# one C-level scan instead of a Python test per character (megabytes per source).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                reason = f"not valid {encoding} text despite its byte-order mark"
                raise ParseError(reason) from None
    if b"\x00" in data:
        raise ParseError("binary file (contains NUL bytes)")
    for encoding in _FALLBACKS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def decode_bytes(data: bytes) -> str:
    """Decode a source's bytes, trying BOMs, then UTF-8, then cp1252, then latin-1; the
    text is returned without its byte-order mark.

    Raises:
        ParseError: the data is empty, blank, or binary.
    """
    text = _decode(data).lstrip("\ufeff")
    if not text.strip():
        raise ParseError("empty file")
    controls = len(_CONTROL.findall(text))
    if controls > _MAX_CONTROL_SHARE * len(text):
        raise ParseError("binary file (not text)")
    return text


def _resolve(path: Path, within: Path | None) -> str:
    """The real path to open; with `within`, refused unless it lives under that folder."""
    real = os.path.realpath(path)
    if within is not None:
        root = os.path.realpath(within)
        if os.path.commonpath([root, real]) != root:
            raise Refused(f"refused: a link to {real}, outside {root}")
    return real


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"


def read_source_bytes(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, within: Path | None = None
) -> bytes:
    """A source file's bytes, read once (ingest hashes and parses these very bytes).

    With `within` (the inbox being scanned), the path must resolve to a place under that
    folder. Only a regular file is read; opening never blocks (a FIFO is refused).

    Raises:
        FileUnavailable: the file vanished, or cannot be read.
        Refused: a link out of `within`, or a folder, FIFO, socket or device.
        ParseError: the file is larger than `max_bytes` (refused unread).
    """
    try:
        real = _resolve(Path(path), within)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
        with open(os.open(real, flags), "rb", closefd=True) as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise Refused(f"refused: {_kind(info.st_mode)}, not a regular file")
            if info.st_size > max_bytes:
                raise ParseError(
                    f"file too large ({_megabytes(info.st_size)}; "
                    f"the limit is {_megabytes(max_bytes)})"
                )
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise FileUnavailable("file disappeared (not found)") from None
    except IsADirectoryError:
        raise Refused("refused: a folder, not a regular file") from None
    except PermissionError:
        raise FileUnavailable("permission denied") from None
    except OSError as error:
        raise FileUnavailable(f"cannot read file: {error.strerror or error}") from None
    if len(data) > max_bytes:
        raise ParseError(f"file too large (over the {_megabytes(max_bytes)} limit)")
    return data


def read_source(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Read and decode a source file, refusing what cannot be a source (see
    `read_source_bytes` and `decode_bytes` for what raises)."""
    return decode_bytes(read_source_bytes(path, max_bytes=max_bytes))
