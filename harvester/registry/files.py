"""Read studies from the registry's own download formats, streaming, without holding a whole file in memory.

Formats: a website JSON export (an array of study objects), an API list page (`{"studies": [...]}`), a single
study object, NDJSON (one study per line), and the bulk zip (one `NCTxxxxxxxx.json` per member).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from harvester.errors import UsageError

__all__ = ["FileItem", "iter_file"]

_CHUNK = 1 << 16
_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\r\n"


@dataclass(frozen=True)
class FileItem:
    """One item read from a file: a decoded study, or the reason it could not be read."""

    file: str
    member: str | None
    position: int
    record: dict[str, Any] | None
    error: str | None = None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.member}" if self.member else f"{self.file}#{self.position}"


def iter_file(path: Path) -> Iterator[FileItem]:
    """Yield every study in `path`. Raises `UsageError` for a missing path or a file of unknown format."""
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    if zipfile.is_zipfile(path):
        yield from _iter_zip(path)
        return
    with path.open("rb") as handle:
        yield from _iter_json_stream(handle, str(path), None)


def _iter_zip(path: Path) -> Iterator[FileItem]:
    with zipfile.ZipFile(path) as archive:
        for position, info in enumerate(info for info in archive.infolist() if not info.is_dir()):
            if not info.filename.lower().endswith(".json"):
                continue
            try:
                with archive.open(info) as member:
                    items = list(_iter_json_stream(member, str(path), info.filename, single_member=True))
            except (UsageError, zipfile.BadZipFile, OSError) as error:
                yield FileItem(str(path), info.filename, position, None, str(error))
                continue
            yield from (FileItem(item.file, item.member, position, item.record, item.error) for item in items)


def _iter_json_stream(
    handle: IO[bytes], file: str, member: str | None, *, single_member: bool = False
) -> Iterator[FileItem]:
    reader = _Reader(handle)
    first = reader.peek()
    if first == "[":
        reader.advance(1)
        yield from _iter_array(reader, file, member)
    elif first == "{":
        yield from _iter_objects(reader, file, member, single_member=single_member)
    elif single_member:
        yield FileItem(file, member, 0, None, "not JSON")
    else:
        raise UsageError(f"{file}: not a registry download (expected a JSON export, list page, study, NDJSON or zip)")


def _iter_array(reader: _Reader, file: str, member: str | None) -> Iterator[FileItem]:
    position = 0
    while True:
        char = reader.peek()
        if char == "]" or char == "":
            return
        if char == ",":
            reader.advance(1)
            continue
        value, error = reader.decode()
        yield _item(file, member, position, value, error)
        position += 1
        if error:
            return


def _iter_objects(reader: _Reader, file: str, member: str | None, *, single_member: bool) -> Iterator[FileItem]:
    """A single study, an API list page, or NDJSON: top-level objects one after another."""
    position = 0
    while reader.peek():
        value, error = reader.decode()
        if isinstance(value, dict) and isinstance(value.get("studies"), list):
            for study in value["studies"]:
                yield _item(file, member, position, study, None)
                position += 1
            continue
        yield _item(file, member, position, value, error)
        position += 1
        if error:
            return


def _item(file: str, member: str | None, position: int, value: Any, error: str | None) -> FileItem:
    if error is None and not (isinstance(value, dict) and isinstance(value.get("protocolSection"), dict)):
        error = "not a study (no protocolSection)"
    return FileItem(file, member, position, value if error is None else None, error)


class _Reader:
    """Incremental JSON values from a byte stream: decodes one value at a time from a growing text buffer."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self._buffer = ""
        self._eof = False
        self._pending = b""

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = self._handle.read(_CHUNK)
        if not chunk:
            self._eof = True
            if self._pending:
                self._buffer += self._pending.decode("utf-8", errors="replace")
                self._pending = b""
            return False
        data = self._pending + chunk
        try:
            text = data.decode("utf-8")
            self._pending = b""
        except UnicodeDecodeError as error:
            text = data[: error.start].decode("utf-8")
            self._pending = data[error.start:]
        if not self._buffer and text.startswith("\ufeff"):
            text = text[1:]
        self._buffer += text
        return True

    def peek(self) -> str:
        while True:
            self._buffer = self._buffer.lstrip(_WHITESPACE)
            if self._buffer:
                return self._buffer[0]
            if not self._fill():
                return ""

    def advance(self, count: int) -> None:
        self._buffer = self._buffer[count:]

    def decode(self) -> tuple[Any, str | None]:
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buffer)
            except json.JSONDecodeError as error:
                if self._fill():
                    continue
                return None, f"not valid JSON ({error.msg})"
            if end == len(self._buffer) and self._fill():
                continue  # a number or literal may go on in the next chunk
            self._buffer = self._buffer[end:]
            return value, None
