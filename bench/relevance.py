"""Search quality on the real records: trialwatch against an SQLite FTS5 OR/BM25 baseline, in the same run.

    .venv/bin/python bench/relevance.py [../shared/data/ctgov]

Every real study in the shared data (website exports, the bulk zip, single records) is imported into a temporary
data dir and indexed; FTS5 gets the same documents. The patient queries are generated from the records'
registry fields, and so is their truth, never from trialwatch's index:

* condition: a MeSH condition term the registry assigned (`derivedSection.conditionBrowseModule.meshes`), asked
  as a patient would ("trials for <term>"); relevant: trials with that term among their MeSH terms or ancestors;
* condition + status: "<term> still recruiting"; relevant: those trials that are RECRUITING;
* condition + country: "<term> in <country>"; relevant: those with a site in that country;
* drug: an intervention name, or one of its `otherNames` (brand and code names); relevant: trials listing it;
* id: a pasted NCT id in a sentence; relevant: that trial.

Gain is binary; nDCG@10 and P@10 are averaged over queries with at least one relevant trial. Printed by kind.
"""

from __future__ import annotations

import math
import random
import re
import sqlite3
import statistics
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import fts5
from harvester.registry.files import iter_file
from harvester.registry.importer import import_files
from harvester.store.store import Store
from harvester.store.trials import iter_trials
from index.build import rebuild_index
from index.documents import trial_document
from search.engine import open_searcher, run_search
from search.models import SearchRequest

PER_KIND = 14
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    relevant: frozenset[str]


def studies(shared: Path) -> Iterator[dict[str, Any]]:
    paths = [*sorted((shared / "exports").glob("*.json")), *sorted((shared / "bulk").glob("*.zip")),
             *sorted((shared / "records").glob("*.json"))]
    for path in paths:
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
    interventions = (protocol.get("armsInterventionsModule") or {}).get("interventions", [])
    drugs = {name for item in interventions for name in [item.get("name"), *item.get("otherNames", [])] if name}
    countries = {site.get("country") for site in (protocol.get("contactsLocationsModule") or {}).get("locations", [])
                 if site.get("country")}
    status = (protocol.get("statusModule") or {}).get("overallStatus")
    return {"nct_id": nct_id, "meshes": meshes, "conditions": meshes | ancestors, "drugs": drugs,
            "countries": countries, "status": status}


def make_queries(facts: list[dict[str, Any]], rng: random.Random) -> list[Query]:
    by_mesh: dict[str, set[str]] = defaultdict(set)
    for fact in facts:
        for term in fact["conditions"]:
            by_mesh[term].add(fact["nct_id"])
    own_terms = Counter(term for fact in facts for term in fact["meshes"])
    terms = [term for term, count in own_terms.most_common() if 2 <= count <= 60]
    rng.shuffle(terms)
    status_of = {fact["nct_id"]: fact["status"] for fact in facts}
    countries_of = {fact["nct_id"]: fact["countries"] for fact in facts}
    queries: list[Query] = []
    for term in terms[:PER_KIND]:
        queries.append(Query("condition", f"trials for {term.lower()}", frozenset(by_mesh[term])))
    recruiting = [t for t in terms if any(status_of[n] == "RECRUITING" for n in by_mesh[t])]
    for term in recruiting[:PER_KIND]:
        relevant = {n for n in by_mesh[term] if status_of[n] == "RECRUITING"}
        queries.append(Query("condition+status", f"{term.lower()} still recruiting", frozenset(relevant)))
    placed = 0
    for term in terms:
        country_counts = Counter(c for n in by_mesh[term] for c in countries_of[n])
        if not country_counts or placed >= PER_KIND:
            continue
        country = country_counts.most_common(1)[0][0]
        relevant = {n for n in by_mesh[term] if country in countries_of[n]}
        queries.append(Query("condition+country", f"{term.lower()} in {country}", frozenset(relevant)))
        placed += 1
    by_drug: dict[str, set[str]] = defaultdict(set)
    for fact in facts:
        for name in fact["drugs"]:
            if len(name) > 3 and not name.lower().startswith(("placebo", "standard", "usual")):
                by_drug[name].add(fact["nct_id"])
    drugs = sorted(name for name, ids in by_drug.items() if len(ids) <= 30)
    rng.shuffle(drugs)
    for name in drugs[:PER_KIND]:
        queries.append(Query("drug", name, frozenset(by_drug[name])))
    for fact in rng.sample(facts, min(6, len(facts))):
        queries.append(Query("id", f"is {fact['nct_id'].lower()} recruiting", frozenset({fact["nct_id"]})))
    return queries


def ndcg_at_10(ranked: list[str], relevant: frozenset[str]) -> float:
    gain = sum(1 / math.log2(position + 2) for position, nct_id in enumerate(ranked[:10]) if nct_id in relevant)
    ideal = sum(1 / math.log2(position + 2) for position in range(min(10, len(relevant))))
    return gain / ideal


def fts5_or_query(text: str) -> str:
    return " OR ".join(f'"{word}"' for word in _WORD.findall(text.lower()))


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared/data/ctgov"
    rng = random.Random(20261202)
    facts = [fact for study in studies(shared) if (fact := study_facts(study))]
    facts = list({fact["nct_id"]: fact for fact in facts}.values())
    queries = make_queries(facts, rng)
    with tempfile.TemporaryDirectory() as temporary:
        data_dir = Path(temporary)
        with Store.open(data_dir) as store:
            paths = [*sorted((shared / "exports").glob("*.json")), *sorted((shared / "bulk").glob("*.zip")),
                     *sorted((shared / "records").glob("*.json"))]
            import_files(store, paths)
            rebuild_index(store, data_dir)
            documents = [trial_document(trial) for trial in iter_trials(store)]
        fts5.build(data_dir / "fts5.sqlite", documents)
        scores: dict[str, dict[str, list[tuple[float, float, bool]]]] = defaultdict(lambda: defaultdict(list))
        with open_searcher(data_dir) as searcher, sqlite3.connect(data_dir / "fts5.sqlite") as db:
            for item in queries:
                ours = [r.nct_id for r in run_search(searcher, SearchRequest(query=item.text, limit=10)).results]
                theirs = [row[0] for row in fts5.search(db, fts5_or_query(item.text))]
                for engine, ranked in (("trialwatch", ours), ("fts5", theirs)):
                    precision = sum(n in item.relevant for n in ranked[:10]) / 10
                    scores[item.kind][engine].append((ndcg_at_10(ranked, item.relevant), precision, not ranked))
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


def _cell(rows: Iterable[tuple[float, float, bool]]) -> str:
    rows = list(rows)
    ndcg = statistics.fmean(row[0] for row in rows)
    precision = statistics.fmean(row[1] for row in rows)
    zero = sum(row[2] for row in rows) / len(rows)
    return f"{ndcg:.3f} / {precision:.3f} / {zero:.0%}"


if __name__ == "__main__":
    main()
