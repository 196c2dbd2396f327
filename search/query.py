"""Search syntax -> Whoosh queries: the QUERY text, the options that narrow it, and the filters.

QUERY is plain words (best match, `search.bestmatch`: in the weighted `text` field (titles, conditions, keywords,
drugs, summary, sponsors, countries), the criteria and the registry's vocabulary), ``"quoted phrases"``,
``field:word`` with friendly field names (`FIELD_ALIASES`), ``criterion:`` for either criteria list, and ``AND`` /
``OR`` / ``NOT`` with parentheses; phrases, fields and explicit groups must match.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein
from whoosh import query
from whoosh.fields import Schema
from whoosh.qparser import FieldAliasPlugin, FieldsPlugin, PseudoFieldPlugin, QueryParser, syntax
from whoosh.qparser.plugins import Plugin

from harvester.errors import QuerySyntaxError
from harvester.statuses import OverallStatus
from index.analysis import phase_term, status_term
from index.schema import OPEN_TERM
from index.vocabulary import Vocabulary
from search.bestmatch import BestMatch, best_match
from search.caching import ByIdentity
from search.models import SearchRequest

__all__ = [
    "COORDINATION",
    "CRITERIA_FIELD",
    "CRITERIA_FIELDS",
    "DATE_HINT",
    "DEFAULT_FIELD",
    "FIELDS_TO_SHOW",
    "FIELD_ALIASES",
    "OPERATOR_HINT",
    "SYNTAX_HINT",
    "CompiledRequest",
    "compile_request",
    "parse_query",
    "words_query",
]

#: the field plain words search
DEFAULT_FIELD = "text"
#: how much a trial matching one more of the plain words gains (whoosh's OrGroup scale)
COORDINATION = 0.9
#: a virtual field: ``criterion:word`` searches the inclusion and the exclusion criteria
CRITERIA_FIELD = "criteria"
CRITERIA_FIELDS = ("inclusion", "exclusion")

#: the names a user may type before a colon, for each field (the field's own name works too)
FIELD_ALIASES = {
    "nct_id": ["nct", "id"],
    "conditions": ["condition", "disease", "cond"],
    "drugs": ["drug", "intervention", "interventions", "treatment", "intr"],
    "sponsor": ["sponsors", "collaborator", "funder"],
    "inclusion": ["include", "inclusions"],
    "exclusion": ["exclude", "exclusions"],
    CRITERIA_FIELD: ["criterion", "eligibility"],
    "countries": ["country"],
    "cities": ["city"],
    "study_type": ["type"],
    "sex": ["gender"],
    "last_update": ["updated"],
    "start_date": ["start", "started"],
}

#: the field names a hint lists
FIELDS_TO_SHOW = ("drug", "condition", "status", "phase", "criterion", "inclusion", "exclusion", "sponsor", "country",
                  "city", "type", "sex", "nct")
#: stored but not indexed on their own: plain words search them
_SEARCHED_AS_TEXT = ("title", "summary", "keywords", "keyword")
DATE_HINT = "write dates as 2024, 2024-05 or 2024-05-31, e.g. updated:[2024 TO 2025] or start:2023"
SYNTAX_HINT = 'e.g. lupus drug:lenalidomide status:recruiting exclusion:"pregnant"'
OPERATOR_HINT = "AND, OR and NOT join words, each once: lupus NOT pregnancy, (lupus OR sle) AND kidney"
_FIELD_NAME = r"(?P<text>[A-Za-z_]+):"
_DATE_RANGE = re.compile(r"[\[{].*\bTO\b", re.IGNORECASE)


def parse_query(text: str, schema: Schema) -> query.Query:
    """The Whoosh query for a QUERY string. Raises `QuerySyntaxError` with a hint.

    A word before a colon that is not a field name nor two edits from one (``Low Dose: aspirin``, pasted from a
    record) is a plain word; a misspelt field name (``drgu:``) is an error saying which field was meant.
    """
    _check_balanced(text)
    text = re.sub(_FIELD_NAME, _field_or_word, text)
    try:
        parsed = _best_match(_parser(schema).parse(text)).accept(_keyword_value)
    except QuerySyntaxError:
        raise
    except Exception as error:  # whoosh raises bare Exception, TimeError, ValueError or IndexError on what it misreads
        if _DATE_RANGE.search(text):
            raise QuerySyntaxError(f"cannot read the dates in {text!r}", hint=DATE_HINT) from error
        raise QuerySyntaxError(f"cannot read the query {text!r}", hint=OPERATOR_HINT) from error
    if _has_error(parsed):  # and mark a single value that is not a date (dates are all it cannot read)
        raise QuerySyntaxError(f"cannot read the dates in {text!r}", hint=DATE_HINT)
    if parsed is query.NullQuery:
        raise QuerySyntaxError(f"the query {text!r} has no words to search for",
                               hint="very common words such as 'the' or 'with' are not indexed")
    return parsed


@dataclass(frozen=True)
class CompiledRequest:
    """A search request as Whoosh queries.

    Filters narrow the results without ranking them. The cheap ones are document sets: `filter` (status, phase,
    country: a few terms each) and `mask` (the other sex's trials, usually few). Age limits would be ranges over
    most of the index, so `age` is checked per candidate trial instead (`search.eligibility`).
    """

    #: the QUERY text, parsed; None when empty
    text: query.Query | None
    #: what ranks the results: the text and the options that name words to find; None when there is none
    scored: query.Query | None
    #: trials must match it
    filter: query.Query | None
    #: trials must not match it
    mask: query.Query | None
    #: trials must admit a person of this age
    age: float | None
    #: the plain words as best-match clauses, when the text has any at its top level (then `scored` is only used to
    #: find the searched words)
    best: BestMatch | None = None


def compile_request(request: SearchRequest, schema: Schema, vocabulary: Vocabulary | None = None) -> CompiledRequest:
    """Parse and combine every part of a request, reading plain words with the index's `vocabulary`.

    Raises `QuerySyntaxError`.
    """
    text = parse_query(request.query, schema) if request.query.strip() else None
    plain, required = _plain_and_required(text)
    parts = list(required)
    for field, value in (("drugs", request.drug), ("conditions", request.condition), ("sponsor", request.sponsor)):
        if value:
            parts.append(words_query(schema, field, value, phrase=False))
    for fields, value in (
        (CRITERIA_FIELDS, request.criterion),
        (("inclusion",), request.inclusion),
        (("exclusion",), request.exclusion),
    ):
        if value:
            parts.append(query.Or([words_query(schema, field, value, phrase=True) for field in fields]).normalize())
    filters: list[query.Query] = []
    if request.statuses:
        filters.append(query.Or([query.Term("status", status_term(status)) for status in request.statuses]))
    if request.phases:
        filters.append(query.Or([query.Term("phase", phase_term(phase)) for phase in request.phases]))
    if request.country:
        filters.append(words_query(schema, "countries", request.country, phrase=True))
    if request.city:
        filters.append(words_query(schema, "cities", request.city, phrase=True))
    if request.nct_ids:
        filters.append(query.Or([query.Term("nct_id", nct_id) for nct_id in request.nct_ids]))
    if request.age_groups:
        filters.append(query.Or([query.Term("age_groups", status_term(group)) for group in request.age_groups]))
    other_sex = {"female": "male", "male": "female"}.get(request.sex or "")
    best = None
    if plain:
        best = best_match(request.query, plain, query.And(parts).normalize() if parts else None, schema, vocabulary)
        parts = [best.as_query()]
    return CompiledRequest(
        text=text,
        best=best,
        scored=query.And(parts).normalize() if parts else None,
        filter=query.And(filters).normalize() if filters else None,
        # a trial for all sexes (or not saying) admits everyone
        mask=query.Term("sex", other_sex) if other_sex else None,
        age=request.age,
    )


def words_query(schema: Schema, field: str, text: str, *, phrase: bool) -> query.Query:
    """All the words of `text` in `field`, as analysed at index time; in this order when `phrase`."""
    words = list(schema[field].process_text(text, mode="query"))
    if not words:
        raise QuerySyntaxError(f"{text!r} has no words to search for in {field}",
                               hint="very common words such as 'the' or 'with' are not indexed")
    if len(words) == 1:
        return query.Term(field, words[0])
    if phrase:
        return query.Phrase(field, words)
    return query.And([query.Term(field, word) for word in words])


def _plain_and_required(parsed: query.Query | None) -> tuple[list[query.Query], list[query.Query]]:
    """The plain words of a parsed query (as `_best_match` left them) and the parts that must match."""
    if parsed is None:
        return [], []
    if _is_plain_word(parsed):
        return [parsed], []
    if _all_plain_words(parsed):
        return list(parsed.subqueries), []
    if type(parsed) is query.And:
        plain = [part for part in parsed.subqueries if _all_plain_words(part)]
        if len(plain) == 1:
            return list(plain[0].subqueries), [part for part in parsed.subqueries if part is not plain[0]]
    return [], [parsed]


def _all_plain_words(parsed: query.Query) -> bool:
    """An OR of plain words: what the parser makes of words side by side (or joined by OR, which means the same)."""
    return type(parsed) is query.Or and not parsed.minmatch and all(map(_is_plain_word, parsed.subqueries))


def _best_match(parsed: query.Query) -> query.Query:
    """Plain words scored, not all required; field syntax, phrases and explicit groups stay required.

    The parser joins the top level with OR (and a bonus for each further word matched, so trials matching every
    word rank first); here what the user spelled out strictly is taken back out of that OR and made required.
    """
    if type(parsed) is not query.Or:
        return parsed
    plain = [part for part in parsed.subqueries if _is_plain_word(part)]
    required = [part for part in parsed.subqueries if not _is_plain_word(part)]
    if not required:
        return parsed
    if plain:
        required.append(query.Or(plain, scale=COORDINATION))
    return query.And(required).normalize()


#: field -> (how a value typed in words becomes the indexed term, the terms there are)
_KEYWORD_FIELDS: dict[str, tuple[Callable[[list[str]], str], frozenset[str]]] = {
    "status": (lambda words: status_term("_".join(words)),
               frozenset({status_term(status) for status in OverallStatus} | {OPEN_TERM})),
    "phase": (lambda words: phase_term("".join(words)), frozenset({"early1", "1", "2", "3", "4", "na"})),
    "sex": (lambda words: "".join(words).lower(), frozenset({"female", "male", "all"})),
    "study_type": (lambda words: "_".join(words).lower(),
                   frozenset({"interventional", "observational", "expanded_access"})),
}


def _keyword_value(node: query.Query) -> query.Query:
    """``status:"not yet recruiting"``, ``phase:"phase 3"``: a keyword field's value, however it is written.

    An unknown value is an error listing the known ones (instead of silently finding nothing). ``sex:male`` means
    what ``--sex male`` means: trials open to males, those for all sexes included.
    """
    if not isinstance(node, query.Term | query.Phrase) or node.fieldname not in _KEYWORD_FIELDS:
        return node
    words = [node.text] if isinstance(node, query.Term) else [word for word in node.words if word]
    normalise, known = _KEYWORD_FIELDS[node.fieldname]
    value = normalise(words)
    if value not in known:
        shown = "status" if node.fieldname == "status" else node.fieldname.replace("study_", "")
        raise QuerySyntaxError(f"unknown {shown} {' '.join(words)!r}",
                               hint=f"{shown} is one of: " + ", ".join(sorted(known)))
    if node.fieldname == "sex" and value != "all":
        return query.Or([query.Term("sex", value), query.Term("sex", "all")])
    return query.Term(node.fieldname, value, boost=node.boost)


def _is_plain_word(part: query.Query) -> bool:
    return isinstance(part, query.Term) and bool(part.fieldname == DEFAULT_FIELD)


#: each schema's parser: a parser keeps no state between parses, and an index keeps its schema
_PARSERS: ByIdentity[Schema, QueryParser] = ByIdentity(kept=8)


def _parser(schema: Schema) -> QueryParser:
    """The parser of a schema, made once (its plugins cost as much as a short query's parse)."""
    return _PARSERS.get(schema, _new_parser)


def _new_parser(schema: Schema) -> QueryParser:
    parser = QueryParser(DEFAULT_FIELD, schema, group=syntax.OrGroup.factory(COORDINATION))
    parser.replace_plugin(FieldsPlugin(expr=_FIELD_NAME, remove_unknown=False))
    parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    parser.add_plugin(_FieldCheckPlugin())
    parser.add_plugin(PseudoFieldPlugin({CRITERIA_FIELD: _in_criteria_fields}))
    return parser


class _FieldCheckPlugin(Plugin):
    """Reject unknown field names and field names with nothing after them, instead of searching them as words."""

    def filters(self, parser: QueryParser) -> list[tuple[object, int]]:
        # after aliases (90), before the criteria pseudo-field (99) and the fields plugin (100)
        return [(self._check, 95)]

    def _check(self, parser: QueryParser, group: syntax.GroupNode) -> syntax.GroupNode:
        for position, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                self._check(parser, node)
            elif isinstance(node, syntax.FieldnameNode):
                known = node.fieldname in parser.schema and parser.schema[node.fieldname].indexed
                if not known and node.fieldname != CRITERIA_FIELD:
                    raise QuerySyntaxError(f"unknown field {node.original!r}", hint=_field_hint(node.fieldname))
                following = group[position + 1] if position + 1 < len(group) else None
                if following is None or following.is_ws():
                    raise QuerySyntaxError(f"nothing after {node.original!r}",
                                           hint=f"write the word right after the colon, {SYNTAX_HINT}")
        return group


def _known_field_names() -> list[str]:
    return [*FIELD_ALIASES, *(alias for aliases in FIELD_ALIASES.values() for alias in aliases), "status", "phase",
            "age_groups", "nct_id", "text"]


def _field_or_word(match: re.Match[str]) -> str:
    name, known = match.group("text").lower(), _known_field_names()
    if name in known or name in _SEARCHED_AS_TEXT or any(Levenshtein.distance(name, field) <= 2 for field in known):
        return match.group(0)
    return match.group("text") + " "


def _field_hint(unknown: str) -> str:
    if unknown.lower() in _SEARCHED_AS_TEXT:
        return f"plain words search titles, summaries and keywords: leave out '{unknown}:'"
    close = difflib.get_close_matches(unknown.lower(), _known_field_names(), n=1)
    return (f"did you mean {close[0]}:? " if close else "") + "fields: " + ", ".join(FIELDS_TO_SHOW)


def _in_criteria_fields(node: syntax.SyntaxNode) -> syntax.SyntaxNode:
    """``criterion:x`` -> ``(inclusion:x OR exclusion:x)``."""
    copies = []
    for field in CRITERIA_FIELDS:
        fielded = copy.deepcopy(node)
        fielded.set_fieldname(field, override=True)
        copies.append(fielded)
    return _EitherCriteriaGroup(copies)


class _EitherCriteriaGroup(syntax.OrGroup):
    """``criterion:x`` as one clause (the better of its two matches), not melted into the plain words' OR."""

    qclass = query.DisjunctionMax
    merging = False


def _check_balanced(text: str) -> None:
    if text.count('"') % 2:
        raise QuerySyntaxError(f"unclosed quote in {text!r}", hint='close the phrase with a second ", ' + SYNTAX_HINT)
    depth = 0
    for character in re.sub(r'"[^"]*"', "", text):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth < 0:
            break
    if depth:
        raise QuerySyntaxError(f"unbalanced parentheses in {text!r}", hint="every ( needs a matching )")


def _has_error(parsed: query.Query) -> bool:
    """Whoosh marks what it could not read with an `error` attribute instead of raising."""
    return any(getattr(node, "error", None) for node in (parsed, *parsed.leaves()))
