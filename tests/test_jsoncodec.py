"""orjson where it gives what the standard library gives: record decoding, stored bytes, the canonical hash (the
same hash as before, so stored versions stay comparable), and an unchanged record stored without parsing it."""

from __future__ import annotations

import json
import math
import random

import pytest

import harvester.registry.harvest
from harvester.jsoncodec import _FLOAT_NOTATION_RISK, _float_notation_risk, canonical_json, decode_json, encode_record
from harvester.registry.harvest import store_record
from harvester.store.store import _UNORDERED_DERIVED_LISTS, _VOLATILE_PATHS, canonical_api_hash, content_hash
from tests.records import fixture_record, snapshot_ids, snapshot_record


def standard_library_hash(record):
    """`canonical_api_hash` as it was written before orjson: a deep copy through json, then json.dumps."""
    canonical = json.loads(json.dumps(record))
    for path in _VOLATILE_PATHS:
        parent = canonical
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
    for module in (canonical.get("derivedSection") or {}).values():
        if isinstance(module, dict):
            for name in _UNORDERED_DERIVED_LISTS:
                if isinstance(module.get(name), list):
                    module[name].sort(key=lambda item: json.dumps(item, sort_keys=True))
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return content_hash(text.encode("utf-8", "backslashreplace"))


def test_every_real_record_hashes_as_before_and_is_left_unchanged():
    records = [snapshot_record(nct_id) for nct_id in snapshot_ids()]
    records += [fixture_record("NCT02552212.v2.vh-2023-12-12.json"), fixture_record("NCT00763412.v2.json")]
    for record in records:
        before = json.dumps(record, sort_keys=True)
        assert canonical_api_hash(record) == standard_library_hash(record)
        assert json.dumps(record, sort_keys=True) == before  # only copies were changed
        assert decode_json(encode_record(record)) == record


@pytest.mark.parametrize("value", [
    {"lat": 43.0389, "tiny": 1e-05, "small": 9.9e-05, "exp": 1.5e-07, "big": 1e16, "int": 2**70, "neg": -0.0},
    {"text": "0.00001 and 2e-7 in words", "é": "naïve \u2028 \x00 \x1f \x7f 😀", "Z": [1, 2.5, None, True]},
    {"surrogate": "\ud800 alone"},
])
def test_canonical_json_is_the_standard_librarys_byte_for_byte(value):
    assert canonical_json(value) == json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")) \
        .encode("utf-8", "backslashreplace")


def test_the_fast_float_notation_check_finds_what_its_pattern_finds():
    rng = random.Random(14)
    texts = [bytes(rng.choice(b"0123456789e-.x,") for _ in range(rng.randrange(12))) for _ in range(50_000)]
    texts += [b"e-1", b"1e-1", b"1e-0", b"xe-5", b"0.0000", b"0.000", b"9e-", b"[1.5e-7]", b"a-1e-9"]
    texts += [canonical_json(snapshot_record(nct_id)) for nct_id in snapshot_ids()]
    found = [text for text in texts if _FLOAT_NOTATION_RISK.search(text)]
    assert [text for text in texts if _float_notation_risk(text)] == found
    assert len(found) > 200  # both answers are tried


def test_what_orjson_refuses_reads_and_fails_as_with_the_standard_library():
    assert math.isnan(decode_json(b'{"x": NaN}')["x"])
    assert decode_json(b'{"n": 18446744073709551615}')["n"] == 2**64 - 1
    assert decode_json(b'"\\ud800"') == "\ud800"
    assert decode_json('\ufeff{"a": 1}'.encode("utf-8-sig")[3:]) == {"a": 1}
    assert decode_json('{"a": 1}'.encode("utf-16")) == {"a": 1}
    with pytest.raises(ValueError):
        decode_json(b'{"studies": [')
    with pytest.raises(RecursionError):
        decode_json(b"[" * 100_000 + b"]" * 100_000)
    assert encode_record({"s": "\ud800"}) == b'{"s":"\\ud800"}'


def test_an_unchanged_record_is_seen_without_being_parsed(store, monkeypatch):
    record = snapshot_record("NCT04523987")
    first = store_record(store, record, fetched_at="2026-11-25T00:00:00+00:00", api_url="x", data_timestamp=None,
                         run_id=None)
    assert first == ("NCT04523987", "new")

    def no_parse(*args, **kwargs):
        raise AssertionError("an unchanged record was parsed")

    monkeypatch.setattr(harvester.registry.harvest, "read_record_key", no_parse)
    again = store_record(store, snapshot_record("NCT04523987"), fetched_at="2026-11-26T00:00:00+00:00", api_url="x",
                         data_timestamp=None, run_id=None)
    assert again == ("NCT04523987", "unchanged")
    assert len(store.versions("NCT04523987")) == 1
    (last_seen,) = store._execute("SELECT last_seen FROM trials WHERE nct_id = 'NCT04523987'").fetchone()
    assert last_seen == "2026-11-26T00:00:00+00:00"
