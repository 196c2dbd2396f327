"""The Whoosh schema: one document per trial, one field per thing a patient searches by.

Plain words search one field, `text`: titles, conditions (with keywords and MeSH terms), drugs (with other
names), summary, sponsors and countries, each section weighted (`TEXT_WEIGHTS`), so a title, condition or drug
match counts more than one in the summary (BM25F within one field). One term per word, instead of a union over
seven fields, keeps Whoosh's pure-Python matching fast. Drugs, conditions, criteria, sponsors and places also have
fields of their own, for options and ``field:word``.

Lean on purpose: positions only on fields a phrase can target, stored values only for what a search result displays
(title, status, sponsor, interventions, last update) and the texts snippets are cut from. Change `SCHEMA_VERSION`
whenever the schema or `index.documents.trial_document` changes: an index of another version is rebuilt by the next
`update_index`.
"""

from __future__ import annotations

from typing import Any

from whoosh.analysis import Analyzer, IDAnalyzer
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from harvester.statuses import OPEN
from index.analysis import (
    WeightedSectionsAnalyzer,
    keyword_analyzer,
    name_analyzer,
    phase_term,
    status_term,
    text_analyzer,
)

__all__ = ["NO_MAXIMUM_AGE", "OPEN_TERM", "SCHEMA_VERSION", "TEXT_WEIGHTS", "build_schema"]

SCHEMA_VERSION = 11

#: the weight of each section of the `text` field
TEXT_WEIGHTS = {
    "title": 4.0,
    "conditions": 3.0,
    "drugs": 3.0,
    # the conditions' MeSH ancestors: "skin diseases" finds a cutaneous lupus trial, below those saying it
    "ancestors": 1.0,
    "summary": 1.0,
    "sponsor": 1.0,
    "countries": 1.0,
}
#: the status term every trial open to enrolment carries besides its own status (`harvester.models.OPEN_STATUSES`)
OPEN_TERM = OPEN
#: the maximum age indexed for a trial without an upper age limit, so that an age range query still finds it
NO_MAXIMUM_AGE = 1000.0


def _text(analyzer: Analyzer, **options: Any) -> TEXT:
    """A text field in which a word the analyzer splits (``MK-3475``, ``non-small``) is searched as a phrase."""
    return TEXT(analyzer=analyzer, multitoken_query="phrase", **options)


def build_schema() -> Schema:
    """The schema of a trialwatch index."""
    prose, names, code = text_analyzer(), name_analyzer(), IDAnalyzer(lowercase=True)
    return Schema(
        nct_id=ID(unique=True, stored=True),
        # what plain words search: see TEXT_WEIGHTS
        text=_text(WeightedSectionsAnalyzer(prose)),
        # displayed: the brief title; snippets: the summary
        title=STORED(),
        summary=STORED(),
        # conditions as listed, the record's keywords, and the conditions' MeSH terms and MeSH ancestors
        conditions=_text(names, stored=True),
        # intervention names, their other (brand, code) names and intervention MeSH terms, and the brand names of the
        # table (`index.drug_names`); stored: the record's names, the table's on a labelled line of their own
        drugs=_text(names, stored=True),
        # the record's keywords (indexed in `conditions`), stored for snippets that say they are keywords
        keywords=STORED(),
        # the intervention names as a list, for display (for a record listing none, the drugs its keywords or title
        # name, and `treatments_named_in` says where: "keywords and title")
        interventions=STORED(),
        treatments_named_in=STORED(),
        # the status slug, plus `OPEN_TERM` when open to enrolment; the stored value is the registry's status
        status=KEYWORD(analyzer=keyword_analyzer(status_term), stored=True),
        phase=KEYWORD(analyzer=keyword_analyzer(phase_term)),
        study_type=ID(analyzer=code),
        # lead sponsor and collaborators; the stored value is the lead sponsor
        sponsor=_text(names, stored=True),
        inclusion=_text(prose, stored=True),
        exclusion=_text(prose, stored=True),
        # age limits in years, 0 and `NO_MAXIMUM_AGE` where the record states none: columns, not terms, read per
        # candidate trial by the age filter (`search.eligibility`)
        min_age=COLUMN(NumericColumn("d", default=0.0)),
        max_age=COLUMN(NumericColumn("d", default=NO_MAXIMUM_AGE)),
        sex=ID(analyzer=code),
        # the limits as stated, for display: {"minimum_age": "18 years", "maximum_age": None, "from_criteria": bool,
        # "sex": "ALL"} (`search.models.StatedLimits`): a result says when a trial states none
        limits=STORED(),
        # the registry's age groups (stdAges): child, adult, older_adult
        age_groups=KEYWORD(analyzer=keyword_analyzer(status_term)),
        countries=_text(names),
        cities=_text(names),
        # the sites with coordinates, packed (`index.sites`) for near-me searches, and stored to name the nearest
        site_points=COLUMN(VarBytesColumn()),
        sites=STORED(),
        last_update=DATETIME(stored=True, sortable=True),
        start_date=DATETIME(),
    )
