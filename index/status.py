"""Whether a data dir's index reflects its store: cheap enough to check before every search."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from index.schema import SCHEMA_VERSION
from index.storage import IndexLocation, read_state

IndexStatus = Literal["missing", "stale", "current"]


def index_status(data_dir: Path, store_version_id: int) -> IndexStatus:
    """``missing`` (never built), ``stale`` (the store has other versions, or the schema changed) or ``current``."""
    generation = IndexLocation.of(data_dir).current()
    if generation is None:
        return "missing"
    state = read_state(generation)
    if state is None or state.schema_version != SCHEMA_VERSION or state.store_version_id != store_version_id:
        return "stale"
    return "current"
