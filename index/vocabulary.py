"""The registry's own vocabulary, learned from the trials while the index is built: no hand-typed synonym lists.

* what a condition was found as -> its MeSH term (``derivedSection.conditionBrowseModule.browseLeaves[].asFound``):
  "Impotence" -> "Erectile Dysfunction", "Prostate Cancer" -> "Prostatic Neoplasms";
* an intervention's name <-> its other names, across all records: if one trial says Viagra is sildenafil, every
  sildenafil trial is found by "Viagra";
* abbreviations and what they stand for, as written in titles, summaries, conditions, keywords and criteria
  ("benign prostatic hyperplasia (BPH)"), found with the Schwartz-Hearst algorithm (Schwartz & Hearst, "A simple
  algorithm for identifying abbreviation definitions in biomedical text", PSB 2003);
* the words that name conditions and drugs, with the number of trials naming them, for spelling corrections;
* the countries of the trials' sites, as the registry names them ("Turkey", "Korea, Republic of").

Phrases are keyed by `phrase_key` (lowercase, accent-folded, American spelling, words joined by a space). The
vocabulary is saved beside the Whoosh index of its generation (`save_vocabulary`) and read back, once per process
and generation, by searches (`load_vocabulary`). An update adds what the changed trials say to the saved vocabulary;
what a trial no longer says stays until the next rebuild.
"""

from __future__ import annotations

import functools
import logging
import os
import pickle
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from whoosh.support.charset import accent_map

from index.analysis import american_spelling

if TYPE_CHECKING:  # searches read a vocabulary without the models (pydantic takes a third of a second to import)
    from harvester.models import Trial

__all__ = [
    "KEPT_MEANINGS",
    "MAX_MEANINGS",
    "MIN_SPELLING_LENGTH",
    "VOCABULARY_FILENAME",
    "Vocabulary",
    "VocabularyBuilder",
    "abbreviations",
    "load_vocabulary",
    "phrase_key",
]

logger = logging.getLogger(__name__)

VOCABULARY_FILENAME = "vocabulary.pickle"
#: bump when the saved layout changes; a file of another version is read as an empty vocabulary
_FORMAT = 3
#: a phrase with more meanings than this, none seen twice, names nothing in particular ("drug", "PS"): not learned
MAX_MEANINGS = 8
#: at most this many meanings of a phrase are kept, the most often seen first
KEPT_MEANINGS = 4
#: spelling words are at least this long
MIN_SPELLING_LENGTH = 4
_WORD = re.compile(r"\w+")
#: a parenthesised short form: 2 to 10 characters, one or two words
_SHORT_FORM = re.compile(r"\(\s*([^()\s;,][^();,]{0,8}[^()\s;,])\s*\)")
#: a long form is looked for in this many characters before its short form (at most 20 words)
_LONG_FORM_CHARACTERS = 200
#: where the text a long form can come from starts: a sentence end or another bracket
_CLAUSE_START = re.compile(r"[.;:()\[\]]\s|[()\[\]]")
#: names that stand for no particular intervention, whatever a record lists them with
_GENERIC_INTERVENTIONS = frozenset({"placebo", "control", "standard of care", "usual care", "sham", "no intervention",
                                    "saline", "vehicle", "observation"})


def phrase_key(text: str) -> str:
    """The form phrases are compared in: ``Leukaemia,  Acute`` -> ``leukemia acute``."""
    return " ".join(american_spelling(word) for word in _WORD.findall(text.lower().translate(accent_map)))


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """What the trials of one index say, for reading queries."""

    #: phrase key -> phrases meaning the same (as the records write them), most often seen first
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: word (lowercase, accent-folded, American) naming a condition or drug -> number of trials naming it
    words: dict[str, int] = field(default_factory=dict)
    #: number of trials learned from
    trials: int = 0
    #: phrase key of a country some trial has a site in -> its name as the registry writes it
    countries: dict[str, str] = field(default_factory=dict)

    def meanings(self, phrase: str) -> tuple[str, ...]:
        return self.synonyms.get(phrase_key(phrase), ())


@dataclass
class VocabularyBuilder:
    """Learn a `Vocabulary` one trial at a time (`add`), then `vocabulary()`."""

    #: phrase key -> phrase -> number of trials saying they mean the same
    pairs: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    words: Counter[str] = field(default_factory=Counter)
    trials: int = 0
    countries: dict[str, str] = field(default_factory=dict)

    def add(self, trial: Trial) -> None:
        self.trials += 1
        pairs: set[tuple[str, str]] = set()
        for found in trial.condition_found:
            pairs.add((phrase_key(found.as_found), found.term))
        for intervention in trial.interventions:
            if phrase_key(intervention.name) in _GENERIC_INTERVENTIONS:
                continue
            others = [other for other in intervention.other_names if phrase_key(other) not in _GENERIC_INTERVENTIONS]
            # other names meet through the intervention's name: each means it, it means them
            pairs.update((phrase_key(other), intervention.name) for other in others)
            pairs.update((phrase_key(intervention.name), other) for other in others)
        # short form -> long form only: a short form stands for many things ("HR"), so a long form is not expanded
        pairs.update((phrase_key(short), long) for short, long in abbreviations(_texts(trial)))
        for key, phrase in pairs:
            if len(key) > 1 and key != phrase_key(phrase):
                self.pairs[key][phrase] += 1
        self.words.update(_spelling_words(trial))
        for country in trial.countries():
            self.countries.setdefault(phrase_key(country), country)

    def vocabulary(self) -> Vocabulary:
        synonyms = {}
        for key, phrases in self.pairs.items():
            meanings = _distinct(phrases)
            if len(meanings) <= MAX_MEANINGS or phrases[meanings[0]] > 1:
                synonyms[key] = tuple(meanings[:KEPT_MEANINGS])
        return Vocabulary(synonyms=synonyms, words=dict(self.words), trials=self.trials, countries=dict(self.countries))

    @classmethod
    def resumed(cls, generation: Path) -> VocabularyBuilder:
        """A builder holding what the vocabulary saved in `generation` learned (empty when there is none)."""
        builder = cls()
        saved = _read(generation, with_pairs=True)
        if saved is not None:
            vocabulary, pairs = saved
            for key, phrases in pairs.items():
                builder.pairs[key].update(phrases)
            builder.words.update(vocabulary.words)
            builder.trials = vocabulary.trials
            builder.countries.update(vocabulary.countries)
        return builder

    def save(self, generation: Path) -> None:
        """Write what was learned beside the index in `generation`, atomically.

        Two pickles: the vocabulary a search reads, then the counts an update resumes from (searches skip them).
        """
        vocabulary = self.vocabulary()
        searched = (_FORMAT, vocabulary.synonyms, vocabulary.words, vocabulary.trials, vocabulary.countries)
        descriptor, temporary = tempfile.mkstemp(dir=generation, prefix=f".{VOCABULARY_FILENAME}.")
        try:
            with os.fdopen(descriptor, "wb") as file:
                pickle.dump(searched, file, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump({key: dict(phrases) for key, phrases in self.pairs.items()}, file,
                            protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, generation / VOCABULARY_FILENAME)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def load_vocabulary(generation: Path) -> Vocabulary:
    """The vocabulary saved with the index in `generation`; empty when there is none (an index built before).

    Read once per process while the file stays the same (an update replaces it).
    """
    try:
        modified = (generation / VOCABULARY_FILENAME).stat().st_mtime_ns
    except OSError:
        modified = 0
    return _load(generation, modified)


@functools.lru_cache(maxsize=4)
def _load(generation: Path, modified: int) -> Vocabulary:
    saved = _read(generation, with_pairs=False)
    return saved[0] if saved is not None else Vocabulary()


def _read(generation: Path, *, with_pairs: bool) -> tuple[Vocabulary, dict[str, dict[str, int]]] | None:
    try:
        with open(generation / VOCABULARY_FILENAME, "rb") as file:
            version, *state = pickle.load(file)
            if version != _FORMAT:
                return None
            pairs = pickle.load(file) if with_pairs else {}
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, ValueError, EOFError) as error:
        logger.warning("cannot read the vocabulary of %s (%s): searching without it", generation, error)
        return None
    synonyms, words, trials, countries = state
    return Vocabulary(synonyms=synonyms, words=words, trials=trials, countries=countries), pairs


def _distinct(phrases: Counter[str]) -> list[str]:
    """The phrases most often seen first, one spelling of each."""
    seen: set[str] = set()
    kept = []
    for phrase, _ in sorted(phrases.items(), key=lambda item: (-item[1], item[0])):
        key = phrase_key(phrase)
        if key not in seen:
            seen.add(key)
            kept.append(phrase)
    return kept


def _texts(trial: Trial) -> Iterator[str]:
    yield from (text for text in (trial.brief_title, trial.official_title, trial.brief_summary,
                                  trial.detailed_description) if text)
    yield from trial.conditions
    yield from trial.keywords
    yield from trial.eligibility.criteria.all_texts()


def _spelling_words(trial: Trial) -> set[str]:
    names = [*trial.conditions, *trial.keywords, *(mesh.term for mesh in trial.condition_mesh),
             *trial.drug_names(), *(mesh.term for mesh in trial.intervention_mesh)]
    return {word for name in names for word in phrase_key(name).split()
            if len(word) >= MIN_SPELLING_LENGTH and word.isalpha()}


def abbreviations(texts: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(short form, long form) pairs written as "long form (SF)", by the Schwartz-Hearst algorithm.

    A short form has at least two capital letters (SLE, BPH, mRNA, HbA1c), so that a parenthesised word is not
    taken for one.
    """
    for text in texts:
        if "(" not in text:
            continue
        for match in _SHORT_FORM.finditer(text):
            short = match.group(1).strip()
            if not _is_short_form(short):
                continue
            before = text[max(0, match.start() - _LONG_FORM_CHARACTERS) : match.start()]
            starts = [clause.end() for clause in _CLAUSE_START.finditer(before)]
            words = before[starts[-1] if starts else 0 :].split()
            window = words[-min(len(short) + 5, len(short) * 2) :]
            long = _best_long_form(short, " ".join(window))
            if long is not None:
                yield short, long


def _is_short_form(candidate: str) -> bool:
    return (len(candidate.split()) <= 2 and candidate[0].isalnum() and sum(c.isupper() for c in candidate) >= 2
            and any(c.isalpha() for c in candidate))


def _best_long_form(short: str, long: str) -> str | None:
    """Schwartz-Hearst: match the short form's characters right to left in the candidate, the first at a word start."""
    s_index, l_index = len(short) - 1, len(long) - 1
    while s_index >= 0:
        character = short[s_index].lower()
        if not character.isalnum():
            s_index -= 1
            continue
        while l_index >= 0 and (
            long[l_index].lower() != character or (s_index == 0 and l_index > 0 and long[l_index - 1].isalnum())
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    start = long.rfind(" ", 0, l_index + 1) + 1
    found = long[start:].strip(" ,-")
    if len(found) <= len(short) or short.lower() in found.lower().split():
        return None
    return found
