"""`read_record_key`, the harvest's cheap validation, rejects exactly the records `parse_study` rejects (with the same
message) and reads the same NCT id and last update date: on every real record of ../shared/data/ctgov and on
damaged variants DERIVED from real records (every field the parser reads set to wrong values, modules removed, and
seeded random damage anywhere in a record). What the harvest no longer parses, the index build and the change
events parse, and they leave out a stored record that does not parse with a warning."""

from __future__ import annotations

import copy
import itertools
import json
import logging
import random
from pathlib import Path
from typing import Any

import pytest

from harvester.errors import InvalidRecord
from harvester.history.events import derive_pending_events
from harvester.jsoncodec import decode_json, encode_record
from harvester.registry.coerce import STUDY_SHAPE
from harvester.registry.files import iter_file
from harvester.registry.harvest import store_record
from harvester.registry.parse import parse_study, read_record_key
from tests.faults import LONE_STRINGS, UNREADABLE, WRONG_TYPED, variant
from tests.records import snapshot_ids, snapshot_record

CTGOV = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "ctgov"

Record = dict[str, Any]
Path_ = tuple[str | int, ...]

#: wrong values for a field: other types, blanks, a lone surrogate, malformed dates and ids, huge numbers, nesting
WRONG_VALUES: list[Any] = [
    None, -1, 1.5, True, "", "  ", "Lupus \ud800", "2024-13-45", "9" * 5000, "nct 0071 1542", [], ["x"], [None],
    {}, 10**30, [{"name": 1, "asFound": [], "term": {}, "id": 2, "lat": "n", "lon": 500}], {"a": {"a": [1]}},
]
#: a few of them, for damage at random
SOME_VALUES: list[Any] = [None, 1.5, "", "NCT1", ["x"], {}, [{"name": 1}], KeyError]


@pytest.fixture(autouse=True)
def _quiet(caplog):
    """Thousands of records with a damaged field each: the warnings are not made (a test below checks one)."""
    caplog.set_level(logging.ERROR, logger="harvester")


def outcome(read, record: Any) -> tuple[str, Any]:
    """What `read` makes of `record`: its NCT id and last update date, or the message it was rejected with."""
    try:
        result = read(record)
    except InvalidRecord as error:
        return "rejected", str(error)
    return "read", (result.nct_id, result.last_update_posted)


def assert_same_verdict(record: Any) -> str:
    keyed, parsed = outcome(read_record_key, record), outcome(parse_study, record)  # neither changes the record
    assert keyed == parsed, json.dumps(record, default=repr)[:300]
    return parsed[0]


def shared_records() -> list[Record]:
    """Every study record of every download in ../shared/data/ctgov, each distinct version once."""
    found: dict[str, Record] = {}
    for folder in ("records", "pages", "exports", "bulk", "abridged"):
        for path in sorted((CTGOV / folder).iterdir()):
            for item in iter_file(path):
                if item.record is not None:
                    found.setdefault(json.dumps(item.record, sort_keys=True), item.record)
    return list(found.values())


def test_every_real_record_is_read_alike():
    records = shared_records()
    assert len(records) > 600
    verdicts = [assert_same_verdict(record) for record in records]
    assert verdicts.count("read") == len(records)  # no real record is rejected


def every_path(node: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every field in a record (of a list, the first two items), or of a shape (its list's one item is 0)."""
    paths = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            paths += every_path(value, (*prefix, key))
    elif isinstance(node, list):
        for number, value in enumerate(node[:2]):
            paths += every_path(value, (*prefix, number))
    return paths


def put(record: Record, path: Path_, value: Any) -> None:
    """Set (or with `KeyError`, remove) the value at `path`, making the objects and lists on the way."""
    node: Any = record
    for key, following in itertools.pairwise(path):
        container: Any = [] if isinstance(following, int) else {}
        if isinstance(node, list):
            if not node or not isinstance(node[0], dict | list):
                node[:1] = [container]
            node = node[0]
        else:
            if not isinstance(node.get(key), dict | list):
                node[key] = container
            node = node[key]
    last = path[-1]
    if isinstance(node, list):
        node[:1] = [] if value is KeyError else [value]
    elif value is KeyError:
        node.pop(last, None)
    else:
        node[last] = value


FIELDS = every_path(STUDY_SHAPE)


def fresh(record: Record) -> Record:
    return decode_json(encode_record(record))  # a deep copy, faster


def test_every_field_the_parser_reads_damaged_every_way_is_read_alike():
    base = snapshot_record("NCT00711542")  # the fault variants' base: interventions, sponsors, locations
    verdicts = []
    for path in FIELDS:
        for value in [*WRONG_VALUES, KeyError]:
            record = fresh(base)
            put(record, path, copy.deepcopy(value))
            verdicts.append(assert_same_verdict(record))
    assert 0 < verdicts.count("rejected") < len(verdicts) / 10  # an id damaged: rejected; anything else: read


def real_fields() -> list[Path_]:
    """Every field of any real record of the snapshot (a list's items as 0), whether the parser reads it or not:
    found in the data, not in the parser's own shape."""
    found: dict[Path_, None] = {}

    def walk(node: Any, prefix: Path_) -> None:
        if prefix:
            found[prefix] = None
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*prefix, key))
        elif isinstance(node, list):
            for value in node:
                walk(value, (*prefix, 0))

    for nct_id in snapshot_ids():
        walk(snapshot_record(nct_id), ())
    return list(found)


def test_every_field_of_the_real_records_damaged_is_read_alike():
    base = snapshot_record("NCT00711542")
    fields = real_fields()
    assert len(fields) > 400
    for number, path in enumerate(fields):
        for value in [*WRONG_VALUES[number % 4::4], KeyError]:  # a quarter of the wrong values each, in turn
            record = fresh(base)
            put(record, path, copy.deepcopy(value))
            assert_same_verdict(record)


def test_the_labelled_fault_variants_and_records_that_are_not_objects_are_read_alike():
    for alter in [*WRONG_TYPED.values(), *UNREADABLE.values()]:
        assert_same_verdict(variant(alter))
    for path, text in LONE_STRINGS.values():
        assert_same_verdict(variant(lambda record, path=path, text=text: put(record, tuple(path.split(".")), text)))
    for not_a_record in ([], "NCT00711542", None, 3):
        assert outcome(read_record_key, not_a_record) == outcome(parse_study, not_a_record)
        assert outcome(read_record_key, not_a_record)[0] == "rejected"


def test_random_damage_anywhere_in_real_records_is_read_alike():
    rng = random.Random(14)
    records = [snapshot_record(nct_id) for nct_id in snapshot_ids()]
    verdicts = []
    for _ in range(200):
        record = fresh(rng.choice(records))
        for _ in range(rng.choice([1, 1, 2, 3])):
            path = rng.choice(every_path(record) if rng.random() < 0.5 else FIELDS)
            put(record, path, copy.deepcopy(rng.choice(SOME_VALUES)))
        verdicts.append(assert_same_verdict(record))
    assert 0 < verdicts.count("rejected") < len(verdicts)


def test_browse_leaves_of_the_wrong_shape_are_dropped_with_a_warning_not_the_record(caplog):
    """They were the one field the parser read without coercing it: a record with them was unreadable."""
    caplog.set_level(logging.WARNING, logger="harvester")
    record = snapshot_record("NCT00711542")
    record["derivedSection"]["conditionBrowseModule"]["browseLeaves"] = ["Lupus", {"name": 3, "asFound": "x"}]
    with caplog.at_level(logging.WARNING):
        trial = parse_study(record)
    assert trial.condition_found == []
    assert "NCT00711542: derivedSection.conditionBrowseModule.browseLeaves[0]: a string where an object" in caplog.text


def test_a_stored_version_that_no_longer_parses_gets_no_events_and_a_warning(store, caplog):
    """Say a later parser refuses what an earlier one stored: the change events leave that version out."""
    fetched = "2026-11-25T00:00:00+00:00"
    store_record(store, snapshot_record("NCT04523987"), fetched_at=fetched, api_url="x", data_timestamp=None,
                 run_id=None)
    unreadable = snapshot_record("NCT04523987")
    unreadable["protocolSection"]["identificationModule"]["nctId"] = "not an id"
    with store.transaction():
        store.add_version(nct_id="NCT04523987", source="api", raw=json.dumps(unreadable).encode(),
                          content_hash="sha256:x", fetched_at=fetched, source_url="x", last_update_posted=None,
                          data_timestamp=None, run_id=None)
    caplog.set_level(logging.WARNING, logger="harvester")
    derive_pending_events(store)
    assert "no change events for version 2 of NCT04523987: study record with a malformed NCT id" in caplog.text
