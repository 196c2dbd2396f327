"""Plain words for a trial's abbreviations: those its record defines ("cutaneous lupus erythematosus (CLE)", found
with the abbreviation finder the index uses, `index.vocabulary.abbreviations`) and a short glossary of terms
common in trial criteria, each with its source. The trial page shows them as ``<abbr title>``; the CLI lists them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from index.vocabulary import abbreviations

__all__ = ["GLOSSARY", "Explainer", "Term", "record_terms", "terms_in"]


@dataclass(frozen=True)
class Term:
    short: str
    meaning: str
    #: where the meaning comes from: ``the record`` or the glossary's source
    source: str


#: short form -> (meaning in plain words, source). Kept short: terms that recur in lupus and general trial criteria.
GLOSSARY: dict[str, tuple[str, str]] = {
    "CLASI": ("Cutaneous Lupus Erythematosus Disease Area and Severity Index: a score of how active and how "
              "damaging skin lupus is", "Albrecht et al., J Invest Dermatol 2005;125:889-894"),
    "SLEDAI": ("Systemic Lupus Erythematosus Disease Activity Index: a score of lupus activity from symptoms and "
               "tests", "Bombardier et al., Arthritis Rheum 1992;35:630-640"),
    "SLEDAI-2K": ("SLEDAI 2000: the updated Systemic Lupus Erythematosus Disease Activity Index",
                  "Gladman et al., J Rheumatol 2002;29:288-291"),
    "BILAG": ("British Isles Lupus Assessment Group index: a score of lupus activity organ by organ",
              "Isenberg et al., Rheumatology 2005;44:902-906"),
    "SRI": ("SLE Responder Index: whether lupus improved without getting worse elsewhere",
            "Furie et al., Arthritis Rheum 2009;61:1143-1151"),
    "ULN": ("upper limit of normal: the highest value of a lab test's normal range",
            "NCI Common Terminology Criteria for Adverse Events (CTCAE) v5.0"),
    "LLN": ("lower limit of normal: the lowest value of a lab test's normal range",
            "NCI Common Terminology Criteria for Adverse Events (CTCAE) v5.0"),
    "eGFR": ("estimated glomerular filtration rate: how well the kidneys filter blood, from a blood test",
             "KDIGO 2012 Clinical Practice Guideline for Chronic Kidney Disease"),
    "ECOG": ("Eastern Cooperative Oncology Group performance status: a 0-5 scale of how well a person manages "
             "daily activities (0: fully active)", "Oken et al., Am J Clin Oncol 1982;5:649-655"),
    "CTCAE": ("Common Terminology Criteria for Adverse Events: the grading of side effects from 1 (mild) to 5",
              "National Cancer Institute, CTCAE v5.0 (2017)"),
    "ANA": ("antinuclear antibodies: a blood test often positive in lupus", "MedlinePlus, ANA (Antinuclear "
            "Antibody) Test"),
    "dsDNA": ("double-stranded DNA; anti-dsDNA antibodies are a blood test specific to lupus",
              "MedlinePlus, ANA (Antinuclear Antibody) Test"),
    "HBV": ("hepatitis B virus", "MedlinePlus, Hepatitis B"),
    "HCV": ("hepatitis C virus", "MedlinePlus, Hepatitis C"),
    "HIV": ("human immunodeficiency virus", "MedlinePlus, HIV"),
    "NYHA": ("New York Heart Association class: a I-IV scale of how much heart failure limits activity",
             "NYHA Criteria Committee, Nomenclature and Criteria for Diagnosis, 9th ed. 1994"),
    "QTc": ("the heart's QT interval corrected for heart rate, read from an ECG", "ICH E14 guideline (2005)"),
    "ECG": ("electrocardiogram: a recording of the heart's electrical activity", "MedlinePlus, Electrocardiogram"),
    "BMI": ("body mass index: weight in kilograms divided by height in metres squared",
            "World Health Organization, Body mass index"),
    "SAE": ("serious adverse event: a harmful medical event that is life-threatening, needs a hospital stay, "
            "or causes death or lasting harm", "ICH E2A guideline (1994)"),
}

_RECORD = "the record"


def record_terms(texts: Iterable[str]) -> dict[str, str]:
    """Abbreviations the texts define, short form -> long form (the first definition of each)."""
    found: dict[str, str] = {}
    for short, long in abbreviations(texts):
        found.setdefault(short, long)
    return found


def terms_in(texts: Iterable[str]) -> list[Term]:
    """The abbreviations the texts use that the record defines or the glossary explains, in order of first use.

    The record's own definition wins over the glossary's: it says what the abbreviation means in this trial.
    """
    texts = list(texts)
    defined = record_terms(texts)
    known = {**{short: (meaning, source) for short, (meaning, source) in GLOSSARY.items()},
             **{short: (long, _RECORD) for short, long in defined.items()}}
    if not known:
        return []
    pattern = _pattern(known)
    seen: dict[str, Term] = {}
    for text in texts:
        for match in pattern.finditer(text):
            short = match.group()
            if short not in seen:
                meaning, source = known[short]
                seen[short] = Term(short, meaning, source)
    return list(seen.values())


def _pattern(shorts: Iterable[str]) -> re.Pattern[str]:
    """The short forms as whole words, case as written (``ANA`` is not ``ana``), longest first (``SLEDAI-2K``)."""
    alternatives = sorted(shorts, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, alternatives)) + r")(?![\w-])")


@dataclass(frozen=True)
class Explainer:
    """Cuts text at the abbreviations of a trial's `terms`, for the page's ``<abbr title>``."""

    terms: tuple[Term, ...]

    @cached_property
    def _meanings(self) -> dict[str, str]:
        return {term.short: term.meaning for term in self.terms}

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        return _pattern(self._meanings)

    def pieces(self, text: str) -> list[tuple[str, str | None]]:
        """(piece, meaning) pairs covering `text` in order; meaning is None for plain text."""
        if not self.terms:
            return [(text, None)] if text else []
        meanings = self._meanings
        pieces: list[tuple[str, str | None]] = []
        position = 0
        for match in self._pattern.finditer(text):
            if match.start() > position:
                pieces.append((text[position:match.start()], None))
            pieces.append((match.group(), meanings[match.group()]))
            position = match.end()
        if position < len(text):
            pieces.append((text[position:], None))
        return pieces
