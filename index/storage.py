"""Where the index lives and how a new one replaces the old one atomically.

Layout of ``<data_dir>/index/``::

    CURRENT          name of the live generation, replaced with os.replace (atomic)
    LOCK             the writers' lock (`index.lock`)
    gen-000042/      a complete Whoosh index, plus state.json: the store version it reflects

A rebuild writes a new generation beside the live one and then points CURRENT at it, so a searcher sees either the
old index or the new one, never a half-built one. The generation just replaced is kept for searchers still reading
it; older ones are removed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from harvester.errors import IndexDamaged, SearchIndexError
from index.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from whoosh.index import Index

__all__ = [
    "INDEX_DIRNAME",
    "LOCK_FILENAME",
    "POINTER_FILENAME",
    "STATE_FILENAME",
    "IndexLocation",
    "IndexState",
    "check_intact",
    "open_index",
    "read_state",
    "write_state",
]

INDEX_DIRNAME = "index"
POINTER_FILENAME = "CURRENT"
LOCK_FILENAME = "LOCK"
STATE_FILENAME = "state.json"
_GENERATION_PREFIX = "gen-"


@dataclass(frozen=True)
class IndexState:
    """What a generation reflects: the store's newest version id at its last update, and its schema version."""

    store_version_id: int
    schema_version: int
    #: the size of every Whoosh file of the generation when it was last written, to tell a damaged one
    files: dict[str, int] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class IndexLocation:
    """The index directory of one data dir."""

    root: Path

    @classmethod
    def of(cls, data_dir: Path) -> IndexLocation:
        return cls(data_dir / INDEX_DIRNAME)

    @property
    def lock_path(self) -> Path:
        return self.root / LOCK_FILENAME

    def current(self) -> Path | None:
        """The live generation's directory, or None when no index was ever published."""
        try:
            name = (self.root / POINTER_FILENAME).read_text().strip()
        except FileNotFoundError:
            return None
        except OSError as error:  # the index dir is a file, the pointer a directory, no right to read it
            raise SearchIndexError(f"cannot read the search index in {self.root}: {error.strerror}",
                                   hint=f"{self.root} holds only trialwatch's index; move it away and run"
                                        " trialwatch index") from error
        generation = self.root / name
        return generation if generation.is_dir() else None

    def new_generation(self) -> Path:
        """A fresh, empty generation directory, numbered after every existing one."""
        self.root.mkdir(parents=True, exist_ok=True)
        numbers = [_generation_number(path) for path in self._generations()]
        generation = self.root / f"{_GENERATION_PREFIX}{max(numbers, default=0) + 1:06d}"
        generation.mkdir()
        return generation

    def publish(self, generation: Path) -> None:
        """Make `generation` the live index, keep the one it replaces, remove all older ones."""
        replaced = self.current()
        _write_atomically(self.root / POINTER_FILENAME, generation.name + "\n")
        for path in self._generations():
            if path not in (generation, replaced):
                shutil.rmtree(path, ignore_errors=True)

    def remove_unfinished(self) -> list[str]:
        """Remove the generations newer than the live one, left by a build killed before it published them.

        Call it holding the writer lock: then no build is under way. Returns the names removed.
        """
        live = self.current()
        newest_published = _generation_number(live) if live is not None else 0
        removed = []
        for path in self._generations():
            if _generation_number(path) > newest_published:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
        return sorted(removed)

    def _generations(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return [path for path in self.root.iterdir() if path.is_dir() and path.name.startswith(_GENERATION_PREFIX)]


def read_state(generation: Path) -> IndexState | None:
    """The state a generation recorded, or None when it has none (an interrupted first build)."""
    try:
        return IndexState(**json.loads((generation / STATE_FILENAME).read_text()))
    except (FileNotFoundError, TypeError, ValueError):
        return None


def write_state(generation: Path, state: IndexState) -> None:
    """Record what `generation` reflects, with the sizes of its Whoosh files as they are now."""
    files = {path.name: path.stat().st_size for path in generation.iterdir() if _is_index_file(path.name)}
    _write_atomically(generation / STATE_FILENAME, json.dumps({**asdict(state), "files": files}) + "\n")


def check_intact(generation: Path, state: IndexState) -> None:
    """Raise `IndexDamaged` when a Whoosh file of `generation` is shorter or longer than when it was written.

    Whoosh never rewrites a segment file, so a size that changed is damage (a truncated copy, a full disk). A file
    no longer there is passed over: an update beside this reader may have merged it away.
    """
    for name, size in state.files.items():
        try:
            found = (generation / name).stat().st_size
        except FileNotFoundError:
            continue
        if found != size:
            raise IndexDamaged(f"the search index in {generation.parent} is damaged ({name} is {found} bytes, was"
                               f" {size})")


def _is_index_file(name: str) -> bool:
    """Whoosh's segment and table-of-contents files (their names start with the index name, MAIN)."""
    return (name.startswith("MAIN_") or name.startswith("_MAIN_")) and not name.endswith("WRITELOCK")


def open_index(data_dir: Path) -> Index:
    """The live Whoosh index of a data dir.

    Raises `SearchIndexError` when there is none, it has another schema version, or it cannot be read.
    """
    from whoosh.index import open_dir

    location = IndexLocation.of(data_dir)
    generation = location.current()
    if generation is None:
        raise SearchIndexError(f"no search index in {location.root}", hint="build it: trialwatch index")
    state = read_state(generation)
    if state is None or state.schema_version != SCHEMA_VERSION:
        raise SearchIndexError(f"the search index in {location.root} was built by another version of trialwatch",
                               hint="rebuild it: trialwatch index")
    check_intact(generation, state)
    try:
        return open_dir(str(generation))
    except Exception as error:  # whoosh raises anything from EmptyIndexError to unpickling errors
        raise IndexDamaged(f"the search index in {location.root} is damaged ({error})") from error


def _generation_number(path: Path) -> int:
    suffix = path.name.removeprefix(_GENERATION_PREFIX)
    return int(suffix) if suffix.isdigit() else 0


def _write_atomically(path: Path, text: str) -> None:
    """Write a small file so that readers see the old content or the new one, never a part."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
