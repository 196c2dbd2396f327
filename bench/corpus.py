"""A scaled corpus for the benchmark: N registry records derived, streaming, from the real ones in
``../shared/data/ctgov`` (single records, list pages, website exports and the bulk sample, as the bundled snapshot
holds them; the bench may read ../shared, the runtime never does).

How a derived record is made (word-level mixing with Heaps'-law vocabulary growth):

- its structure, field set and size come from one real record (the *base*), so record sizes follow the real
  records' distribution (printed by `describe_sources`);
- conditions with their MeSH terms (`derivedSection.conditionBrowseModule`), interventions with theirs, lead
  sponsor, status, minimum age, sex and location countries come from other real records (*donors*), so filters and
  brand-name expansion select realistic fractions of the corpus;
- in the free-text fields (titles, summaries, description, eligibility criteria) each word is kept, or replaced by
  the word at the same position in a donor's same field, or by a *new* word: new words are introduced exactly as
  fast as Heaps' law V(n) = K·n^β, fitted on the real records' own text, says a corpus of n words has distinct words
  beyond the real vocabulary, and recur afterwards with a Zipf-like skew. New words are made from real syllables
  and are a pure function of their number, so generating holds only the real records, never the derived ones.
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harvester.registry.files import iter_file
from harvester.store.store import Store, content_hash

Record = dict[str, Any]

SHARED_CTGOV = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "ctgov"
_WORD = re.compile(r"[A-Za-z]{3,}")
#: free-text fields whose words are mixed: (module, key)
_TEXT_FIELDS = (
    ("identificationModule", "briefTitle"),
    ("identificationModule", "officialTitle"),
    ("descriptionModule", "briefSummary"),
    ("descriptionModule", "detailedDescription"),
    ("eligibilityModule", "eligibilityCriteria"),
)
#: a word of a mixed field is taken from a donor's same field with this probability
_DONOR_WORD = 0.25
#: ... or is a recurrence of an earlier new word with this probability
_RECURRING_WORD = 0.01


def real_records() -> list[Record]:
    """Every distinct real API v2 study record under ../shared/data/ctgov (single records, list pages, website
    exports and the bulk sample: what the bundled snapshot holds), read as `trialwatch import` reads them."""
    found: dict[str, Record] = {}
    for folder in ("records", "pages", "exports", "bulk"):
        for path in sorted((SHARED_CTGOV / folder).iterdir()):
            for item in iter_file(path):
                nct_id = (item.record or {}).get("protocolSection", {}).get("identificationModule", {}).get("nctId")
                if item.record and nct_id:
                    found.setdefault(nct_id, item.record)
    return list(found.values())


def _field_words(record: Record) -> Iterator[str]:
    protocol = record["protocolSection"]
    for module, key in _TEXT_FIELDS:
        yield from _WORD.findall(protocol.get(module, {}).get(key) or "")


@dataclass(frozen=True)
class HeapsLaw:
    """V(n) = k·n^beta distinct words in a text of n words."""

    k: float
    beta: float

    def vocabulary(self, words: int) -> float:
        return self.k * words**self.beta

    @classmethod
    def fit(cls, records: list[Record], seed: int = 1) -> HeapsLaw:
        """Least squares on log V against log n over the real records' words, in a shuffled record order."""
        ordered = records[:]
        random.Random(seed).shuffle(ordered)
        seen: set[str] = set()
        points = []
        words = 0
        for record in ordered:
            for word in _field_words(record):
                words += 1
                seen.add(word.lower())
            points.append((math.log(words), math.log(len(seen))))
        points = points[len(points) // 10:]  # the first records' curve is not yet a power law
        mean_x = sum(x for x, _ in points) / len(points)
        mean_y = sum(y for _, y in points) / len(points)
        beta = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)
        return cls(math.exp(mean_y - beta * mean_x), beta)


class _NewWords:
    """New words from real syllables: word i is a pure function of i, distinct for distinct i."""

    def __init__(self, records: list[Record]) -> None:
        syllables = {word[i:i + 3].lower() for record in records for word in _field_words(record) if len(word) >= 6
                     for i in range(0, len(word) - 2, 3)}
        self._syllables = sorted(s for s in syllables if s.isalpha())
        self.count = 0

    def word(self, number: int) -> str:
        base = len(self._syllables)
        number += base  # at least two syllables
        parts = []
        while number:
            number, digit = divmod(number, base)
            parts.append(self._syllables[digit])
        return "".join(parts)


class CorpusGenerator:
    """Derives records one at a time; holds only the real records and a few counters."""

    def __init__(self, seed: int = 3) -> None:
        self.originals = real_records()
        self.law = HeapsLaw.fit(self.originals)
        self.real_vocabulary = len({w.lower() for r in self.originals for w in _field_words(r)})
        self._new = _NewWords(self.originals)
        self._rng = random.Random(seed)
        self.words = 0

    def _mix(self, text: str, donor_text: str) -> str:
        donor_words = _WORD.findall(donor_text) or [""]
        rng = self._rng

        def replace(match: re.Match[str]) -> str:
            self.words += 1
            position = self.words
            if self._new.count < self.law.vocabulary(position) - self.real_vocabulary:
                self._new.count += 1
                return self._new.word(self._new.count - 1)
            draw = rng.random()
            if draw < _RECURRING_WORD and self._new.count:
                return self._new.word(int(self._new.count * rng.random() ** 3))
            if draw < _RECURRING_WORD + _DONOR_WORD and donor_words[0]:
                return donor_words[(match.start() // 7) % len(donor_words)]
            return match.group()

        return _WORD.sub(replace, text)

    def records(self, count: int) -> Iterator[Record]:
        """`count` derived records, NCT ids NCT90000001 upwards."""
        rng = self._rng
        originals = self.originals
        for number in range(1, count + 1):
            record = copy.deepcopy(rng.choice(originals))
            protocol = record["protocolSection"]
            protocol["identificationModule"]["nctId"] = f"NCT9{number:07d}"
            text_donor = rng.choice(originals)["protocolSection"]
            for module, key in _TEXT_FIELDS:
                if text := protocol.get(module, {}).get(key):
                    protocol[module][key] = self._mix(text, text_donor.get(module, {}).get(key) or "")
            status_donor = rng.choice(originals)["protocolSection"]
            protocol["statusModule"]["overallStatus"] = status_donor["statusModule"]["overallStatus"]
            _take(record, rng.choice(originals), ("conditionsModule", "conditions"),
                  ("conditionsModule", "keywords"), browse="conditionBrowseModule")
            _take(record, rng.choice(originals), ("armsInterventionsModule", "interventions"),
                  browse="interventionBrowseModule")
            _take(record, rng.choice(originals), ("sponsorCollaboratorsModule", "leadSponsor"))
            _take(record, rng.choice(originals), ("eligibilityModule", "minimumAge"),
                  ("eligibilityModule", "maximumAge"), ("eligibilityModule", "sex"))
            countries = [location.get("country") for other in rng.sample(originals, 3)
                         for location in other["protocolSection"].get("contactsLocationsModule", {})
                         .get("locations", []) if location.get("country")] or ["United States"]
            for location in protocol.get("contactsLocationsModule", {}).get("locations", []):
                location["country"] = rng.choice(countries)
            yield record

    def describe_sources(self) -> str:
        sizes = sorted(len(json.dumps(record)) for record in self.originals)
        return (f"{len(self.originals)} real records (median {sizes[len(sizes) // 2] / 1000:.1f} KB, "
                f"mean {sum(sizes) / len(sizes) / 1000:.1f} KB), real vocabulary {self.real_vocabulary} words, "
                f"Heaps' law V(n) = {self.law.k:.1f}·n^{self.law.beta:.3f}")

    def describe_generated(self) -> str:
        return (f"{self.words} words mixed, vocabulary ~{self.real_vocabulary + self._new.count}"
                f" (Heaps' law predicts {self.law.vocabulary(max(self.words, 1)):.0f})")


def _take(record: Record, donor: Record, *fields: tuple[str, str], browse: str | None = None) -> None:
    """Replace `fields` (module, key) of `record` with the donor's (removed where the donor has none)."""
    protocol, donor_protocol = record["protocolSection"], donor["protocolSection"]
    for module, key in fields:
        protocol.setdefault(module, {}).pop(key, None)
        if key in donor_protocol.get(module, {}):
            protocol[module][key] = copy.deepcopy(donor_protocol[module][key])
    if browse:
        derived = record.setdefault("derivedSection", {})
        derived.pop(browse, None)
        if browse in donor.get("derivedSection", {}):
            derived[browse] = copy.deepcopy(donor["derivedSection"][browse])


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
