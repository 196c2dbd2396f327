"""A scaled corpus for the benchmark: N registry records derived from the bundled snapshot's real ones.

Each derived record is a deep copy of a real record with its NCT id, status, lead sponsor, conditions,
interventions, minimum age and location countries taken from other records, so term statistics stay close to real
ones while the vocabulary is that of real trials.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harvester.store.snapshot import read_snapshot
from harvester.store.store import Store, content_hash

Record = dict[str, Any]

_STATUSES = ["RECRUITING", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING", "COMPLETED", "TERMINATED", "WITHDRAWN"]
_MINIMUM_AGES = ["18 Years", "12 Years", "40 Years", "6 Months", None]


def snapshot_records() -> list[Record]:
    return read_snapshot()["records"]


def derived_records(count: int, seed: int = 3) -> Iterator[Record]:
    """`count` records derived from the snapshot's, with NCT ids NCT90000001 upwards."""
    originals = snapshot_records()
    rng = random.Random(seed)
    for number in range(1, count + 1):
        record = copy.deepcopy(originals[number % len(originals)])
        protocol = record["protocolSection"]
        protocol["identificationModule"]["nctId"] = f"NCT9{number:07d}"
        protocol["statusModule"]["overallStatus"] = rng.choice(_STATUSES)
        donor = rng.choice(originals)["protocolSection"]
        for module, key in (
            ("sponsorCollaboratorsModule", "leadSponsor"),
            ("conditionsModule", "conditions"),
            ("armsInterventionsModule", "interventions"),
        ):
            if key in donor.get(module, {}):
                protocol.setdefault(module, {})[key] = copy.deepcopy(donor[module][key])
        eligibility = protocol.setdefault("eligibilityModule", {})
        eligibility.pop("minimumAge", None)
        if (age := rng.choice(_MINIMUM_AGES)) is not None:
            eligibility["minimumAge"] = age
        for location in protocol.get("contactsLocationsModule", {}).get("locations", []):
            location["country"] = rng.choice(["France", "Germany", "United States", "China", "Japan", "Brazil"])
        yield record


def store_records(data_dir: Path, records: Iterator[Record]) -> int:
    """Store records as versions directly (as a harvest would, without re-validating each); returns how many."""
    count = 0
    with Store.open(data_dir) as store, store.transaction():
        for record in records:
            nct_id = record["protocolSection"]["identificationModule"]["nctId"]
            raw = json.dumps(record).encode()
            store.add_version(
                nct_id=nct_id, source="api", raw=raw, content_hash=content_hash(raw),
                fetched_at="2026-03-06T00:00:00+00:00",
            )
            count += 1
    return count
