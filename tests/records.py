"""Real registry records for tests: the bundled snapshot and the golden files in tests/fixtures/records."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

from harvester.store.snapshot import read_snapshot

FIXTURES = Path(__file__).parent / "fixtures"


@functools.cache
def _snapshot_records() -> dict[str, dict[str, Any]]:
    return {r["protocolSection"]["identificationModule"]["nctId"]: r for r in read_snapshot()["records"]}


def snapshot_record(nct_id: str) -> dict[str, Any]:
    """A fresh copy of one real record from the bundled snapshot (safe to modify)."""
    return copy.deepcopy(_snapshot_records()[nct_id])


def snapshot_ids() -> list[str]:
    return sorted(_snapshot_records())


def snapshot_trial_count() -> int:
    """How many trials the snapshot the tests load holds: its records and its trial pages, by NCT id."""
    snapshot = read_snapshot()
    return len(set(_snapshot_records()) | {page["nct_id"] for page in snapshot.get("pages", [])})


def fixture_record(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "records" / name).read_text(encoding="utf-8"))
