"""Search quality on the real records: trialwatch against an SQLite FTS5 OR/BM25 baseline, in the same run.

    .venv/bin/python bench/relevance.py [--verbose] [../shared/data/ctgov]

Every real study in the shared data (website exports, the bulk zip, single records) is imported into a temporary
data dir and indexed; FTS5 gets the same documents. The patient queries are generated from the records'
registry fields, and so is their truth, never from trialwatch's index. "Its trials" of a MeSH term are those with
the term among their condition MeSH terms or MeSH ancestors (`derivedSection.conditionBrowseModule`):

* condition: a MeSH condition term, asked as a patient would ("trials for <term>"); relevant: its trials;
* lay words: what a record's condition was found as (`browseLeaves[].asFound`), when it differs from the MeSH term
  ("impotence" for Erectile Dysfunction); relevant: the MeSH term's trials;
* broader: a MeSH ancestor ("skin diseases"); relevant: its trials;
* misspelt: a condition term with one letter of a long word dropped; relevant: the term's trials;
* British: a condition term in British spelling (tumour, leukaemia, anaemia, oesophageal); relevant: its trials;
* condition + status: "<term> still recruiting"; relevant: its trials that are RECRUITING;
* condition + country: "<term> in <country>"; relevant: its trials with a site in that country;
* question: "are there any trials for <term> in <country> for adults"; relevant: its trials there whose age
  groups (stdAges) include ADULT;
* condition + age group: "<term> in children" / "older adults with <term>"; relevant: its trials whose stdAges
  include CHILD / OLDER_ADULT;
* drug: an intervention name; relevant: trials listing it (as a name or other name);
* drug other name: a brand or code name from an intervention's `otherNames`; relevant: trials listing it or the
  intervention it names, in any record (so a record that does not spell the brand counts);
* id: a pasted NCT id in a sentence; relevant: that trial.

Gain is binary; nDCG@10 and P@10 are averaged over queries with at least one relevant trial. Printed by kind.

Last, the speed of spelling corrections at the scale of 100,000 trials: the vocabulary's real words, grown to
100,000 distinct words by joining pieces of two real words (a DERIVED vocabulary, for timing only), and 200 real
words with one letter dropped; median and p95 milliseconds per misspelt word.
"""

from __future__ import annotations

import math
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import fts5
from harvester.errors import QuerySyntaxError
from harvester.registry.files import iter_file
from harvester.registry.importer import import_files
from harvester.store.store import Store
from harvester.store.trials import iter_trials
from index.build import rebuild_index
from index.documents import trial_document
from search.engine import open_searcher, run_search, vocabulary_of
from search.models import SearchRequest
from search.suggest import SpellingWords

PER_KIND = 10
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    relevant: frozenset[str]


def study_files(shared: Path) -> list[Path]:
    """Every real download of `shared` (the bundled snapshot's sources): exports, the bulk zip, list pages, records."""
    return [*sorted((shared / "exports").glob("*.json")), *sorted((shared / "bulk").glob("*.zip")),
            *sorted((shared / "pages").glob("*.json")), *sorted((shared / "records").glob("*.json"))]


def studies(shared: Path) -> Iterator[dict[str, Any]]:
    for path in study_files(shared):
        for item in iter_file(path):
            if item.record is not None:
                yield item.record


def study_facts(study: dict[str, Any]) -> dict[str, Any] | None:
    protocol = study.get("protocolSection") or {}
    nct_id = (protocol.get("identificationModule") or {}).get("nctId")
    derived = study.get("derivedSection") or {}
    if not nct_id or not derived:
        return None
    browse = derived.get("conditionBrowseModule") or {}
    meshes = {mesh["term"] for mesh in browse.get("meshes", []) if mesh.get("term")}
    ancestors = {mesh["term"] for mesh in browse.get("ancestors", []) if mesh.get("term")}
    found = {(leaf["asFound"], leaf["name"]) for leaf in browse.get("browseLeaves", [])
             if leaf.get("asFound") and leaf.get("name") in meshes}
    interventions = (protocol.get("armsInterventionsModule") or {}).get("interventions", [])
    groups = [(item["name"], tuple(item.get("otherNames", []))) for item in interventions if item.get("name")]
    drugs = {name for name, others in groups for name in (name, *others)}
    countries = {site.get("country") for site in (protocol.get("contactsLocationsModule") or {}).get("locations", [])
                 if site.get("country")}
    status = (protocol.get("statusModule") or {}).get("overallStatus")
    ages = set((protocol.get("eligibilityModule") or {}).get("stdAges", []))
    return {"nct_id": nct_id, "meshes": meshes, "ancestors": ancestors, "conditions": meshes | ancestors,
            "found": found, "groups": groups, "drugs": drugs, "countries": countries, "status": status, "ages": ages}


#: American -> British spellings for the British queries (a few common medical patterns)
_BRITISH = (("tumor", "tumour"), ("leukemia", "leukaemia"), ("anemia", "anaemia"), ("hemorrh", "haemorrh"),
            ("pediatric", "paediatric"), ("esophag", "oesophag"), ("edema", "oedema"), ("estrogen", "oestrogen"),
            ("hemato", "haemato"), ("diarrhea", "diarrhoea"), ("ischemi", "ischaemi"), ("glycemi", "glycaemi"),
            ("behavior", "behaviour"), ("celiac", "coeliac"), ("randomized", "randomised"))


def make_queries(facts: list[dict[str, Any]], rng: random.Random) -> list[Query]:
    by_term: dict[str, set[str]] = defaultdict(set)
    for fact in facts:
        for term in fact["conditions"]:
            by_term[term].add(fact["nct_id"])
    of = {fact["nct_id"]: fact for fact in facts}
    own_terms = Counter(term for fact in facts for term in sorted(fact["meshes"]))
    terms = [term for term, count in own_terms.most_common() if 2 <= count <= 60]
    rng.shuffle(terms)
    queries: list[Query] = []

    def add(kind: str, text: str, relevant: Iterable[str]) -> None:
        relevant = frozenset(relevant)
        if relevant and sum(query.kind == kind for query in queries) < PER_KIND:
            queries.append(Query(kind, text, relevant))

    for term in terms:
        add("condition", f"trials for {term.lower()}", by_term[term])
    lay = sorted({(found, term) for fact in facts for found, term in fact["found"]
                  if found.lower() not in term.lower() and term.lower() not in found.lower()})
    rng.shuffle(lay)
    for found, term in lay:
        if 2 <= len(by_term[term]) <= 60:
            add("lay words", found.lower(), by_term[term])
    ancestors = sorted({term for fact in facts for term in fact["ancestors"]})
    broader = [term for term in ancestors if 3 <= len(by_term[term]) <= 60]
    rng.shuffle(broader)
    for term in broader:
        add("broader", f"trials for {term.lower()}", by_term[term])
    for term in terms:
        long_words = [word for word in term.split() if len(word) >= 7 and word.isalpha()]
        if long_words:
            word = rng.choice(long_words)
            cut = rng.randrange(2, len(word) - 1)
            add("misspelt", f"trials for {term.replace(word, word[:cut] + word[cut + 1:]).lower()}", by_term[term])
    for term in sorted(by_term):
        british = term.lower()
        for american, spelled in _BRITISH:
            british = british.replace(american, spelled)
        if british != term.lower() and 2 <= len(by_term[term]) <= 60:
            add("British", f"{british} trials", by_term[term])
    for term in terms:
        add("condition+status", f"{term.lower()} still recruiting",
            {n for n in by_term[term] if of[n]["status"] == "RECRUITING"})
    for term in terms:
        country_counts = Counter(c for n in sorted(by_term[term]) for c in sorted(of[n]["countries"]))
        if country_counts:
            country = country_counts.most_common(1)[0][0]
            add("condition+country", f"{term.lower()} in {country}",
                {n for n in by_term[term] if country in of[n]["countries"]})
    for term in reversed(terms):
        country_counts = Counter(c for n in sorted(by_term[term]) if "ADULT" in of[n]["ages"]
                                 for c in sorted(of[n]["countries"]))
        if country_counts:
            country = country_counts.most_common(1)[0][0]
            add("question", f"are there any trials for {term.lower()} in {country} for adults",
                {n for n in by_term[term] if country in of[n]["countries"] and "ADULT" in of[n]["ages"]})
    for index, term in enumerate(terms):
        group, text = ("CHILD", f"{term.lower()} in children") if index % 2 else \
            ("OLDER_ADULT", f"older adults with {term.lower()}")
        add("condition+age", text, {n for n in by_term[term] if group in of[n]["ages"]})
    by_drug: dict[str, set[str]] = defaultdict(set)
    for fact in facts:
        for name in fact["drugs"]:
            by_drug[name.lower()].add(fact["nct_id"])
    names = sorted({name for fact in facts for name, _ in fact["groups"]
                    if len(name) > 3 and not name.lower().startswith(("placebo", "standard", "usual"))})
    rng.shuffle(names)
    for name in names:
        if len(by_drug[name.lower()]) <= 30:
            add("drug", name, by_drug[name.lower()])
    other_names = sorted({(other, name) for fact in facts for name, others in fact["groups"] for other in others
                          if len(other) > 3 and other.lower() != name.lower()
                          and not name.lower().startswith(("placebo", "standard", "usual"))})
    rng.shuffle(other_names)
    for other, name in other_names:
        relevant = by_drug[other.lower()] | by_drug[name.lower()]
        if len(relevant) > len(by_drug[other.lower()]) and len(relevant) <= 30:  # some record does not spell it
            add("drug other name", other, relevant)
    for fact in rng.sample(facts, min(6, len(facts))):
        add("id", f"is {fact['nct_id'].lower()} recruiting", {fact["nct_id"]})
    return queries


def ndcg_at_10(ranked: list[str], relevant: frozenset[str]) -> float:
    gain = sum(1 / math.log2(position + 2) for position, nct_id in enumerate(ranked[:10]) if nct_id in relevant)
    ideal = sum(1 / math.log2(position + 2) for position in range(min(10, len(relevant))))
    return gain / ideal


def fts5_or_query(text: str) -> str:
    return " OR ".join(f'"{word}"' for word in _WORD.findall(text.lower()))


def main() -> None:
    arguments = [argument for argument in sys.argv[1:] if argument != "--verbose"]
    verbose = "--verbose" in sys.argv[1:]  # each query's nDCG@10 (trialwatch, FTS5), relevant count and text
    shared = Path(arguments[0]) if arguments else Path(__file__).resolve().parents[2] / "shared/data/ctgov"
    rng = random.Random(20261202)
    facts = [fact for study in studies(shared) if (fact := study_facts(study))]
    facts = list({fact["nct_id"]: fact for fact in facts}.values())
    queries = make_queries(facts, rng)
    with tempfile.TemporaryDirectory() as temporary:
        data_dir = Path(temporary)
        with Store.open(data_dir) as store:
            import_files(store, study_files(shared))
            rebuild_index(store, data_dir)
            documents = [trial_document(trial) for trial in iter_trials(store)]
        fts5.build(data_dir / "fts5.sqlite", documents)
        scores: dict[str, dict[str, list[tuple[float, float, bool]]]] = defaultdict(lambda: defaultdict(list))
        with open_searcher(data_dir) as searcher, sqlite3.connect(data_dir / "fts5.sqlite") as db:
            vocabulary = vocabulary_of(searcher)
            assert vocabulary is not None
            for item in queries:
                try:
                    ours = [r.nct_id for r in run_search(searcher, SearchRequest(query=item.text, limit=10)).results]
                except QuerySyntaxError as error:  # a query trialwatch refuses counts as finding nothing
                    print(f"trialwatch refused {item.text!r}: {error}", file=sys.stderr)
                    ours = []
                theirs = [row[0] for row in fts5.search(db, fts5_or_query(item.text))]
                for engine, ranked in (("trialwatch", ours), ("fts5", theirs)):
                    precision = sum(n in item.relevant for n in ranked[:10]) / 10
                    scores[item.kind][engine].append((ndcg_at_10(ranked, item.relevant), precision, not ranked))
                if verbose:
                    print(f"{item.kind:<18} {ndcg_at_10(ours, item.relevant):.2f}"
                          f" {ndcg_at_10(theirs, item.relevant):.2f} {len(item.relevant):>3} {item.text!r}",
                          file=sys.stderr)
    print(f"{len(facts)} real studies, {len(queries)} queries (truth from registry fields)")
    print(f"{'kind':<18} {'n':>3}  {'trialwatch nDCG@10 / P@10 / zero':>34}  {'FTS5 nDCG@10 / P@10 / zero':>28}")
    everything: dict[str, list[tuple[float, float, bool]]] = defaultdict(list)
    for kind, engines in [*scores.items()]:
        cells = []
        for engine in ("trialwatch", "fts5"):
            everything[engine] += engines[engine]
            cells.append(_cell(engines[engine]))
        print(f"{kind:<18} {len(engines['fts5']):>3}  {cells[0]:>34}  {cells[1]:>28}")
    print(f"{'all':<18} {len(everything['fts5']):>3}  {_cell(everything['trialwatch']):>34}"
          f"  {_cell(everything['fts5']):>28}")
    median, p95 = spelling_speed(vocabulary.words, rng)
    print(f"spelling correction at 100,000 vocabulary words: median {median:.2f} ms, p95 {p95:.2f} ms"
          " per misspelt word")


def spelling_speed(counts: dict[str, int], rng: random.Random, size: int = 100_000) -> tuple[float, float]:
    """Median and p95 ms of `SpellingWords.closest` for misspelt real words among `size` vocabulary words."""
    real = sorted(counts)
    grown = dict(counts)
    while len(grown) < size:
        first, second = rng.sample(real, 2)
        word = first[: rng.randint(2, len(first))] + second[rng.randint(0, len(second) - 2) :]
        if len(word) >= 4:
            grown.setdefault(word, rng.randint(1, 20))
    words = SpellingWords(grown)
    times = []
    for word in rng.sample(real, min(200, len(real))):
        cut = rng.randrange(1, len(word) - 1)
        started = time.perf_counter()
        words.closest(word[:cut] + word[cut + 1 :])
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def _cell(rows: Iterable[tuple[float, float, bool]]) -> str:
    rows = list(rows)
    ndcg = statistics.fmean(row[0] for row in rows)
    precision = statistics.fmean(row[1] for row in rows)
    zero = sum(row[2] for row in rows) / len(rows)
    return f"{ndcg:.3f} / {precision:.3f} / {zero:.0%}"


if __name__ == "__main__":
    main()
