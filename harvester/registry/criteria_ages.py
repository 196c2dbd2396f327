"""Age limits stated in criteria text: for trials whose source gives no structured limits (a trial page).

Only inclusion criteria are read, and only sentences that say an age plainly: "at least 18 years of age", "aged 18
or older", "18 years and above", "≥ 18 years", "aged 18 to 75 years", "between 18 and 65 years old", "under 17
years", "up to 70 years of age". A limit found this way is labelled "read from the criteria" wherever it is shown.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from harvester.models import Age

__all__ = ["age_limits_from_criteria"]

_NUMBER = r"(\d{1,3}(?:\.\d)?)"
_UNIT = r"(years?|months?|weeks?|days?)"
_AGE_WORDS = r"(?:\s+(?:of\s+age|old))?"
#: "at least 3 months" may be a treatment's length: only "at least 18 years of age / old" is an age
_AGE_WORDS_REQUIRED = r"\s+(?:of\s+age|old)"
#: (pattern, which limits its groups give): "min", "max" or "range"
_PATTERN_TEXTS = (
    (rf"\bbetween\s+(?:the\s+ages\s+of\s+)?{_NUMBER}\s+(?:{_UNIT}\s+)?and\s+{_NUMBER}\s+{_UNIT}", "range"),
    (rf"\bage[sd]?\s*(?:of\s+|:\s*)?{_NUMBER}\s*(?:{_UNIT}\s*)?(?:-|–|to)\s*{_NUMBER}\s+{_UNIT}", "range"),
    (rf"\bat\s+least\s+{_NUMBER}\s+{_UNIT}{_AGE_WORDS_REQUIRED}", "min"),
    (rf"\bage[sd]?\s*(?:of\s+|:\s*)?(?:at\s+least|≥|>=)\s*{_NUMBER}\s+{_UNIT}", "min"),
    (rf"(?:≥|>=|=>)\s*{_NUMBER}\s*{_UNIT}", "min"),
    (rf"\b{_NUMBER}\s+{_UNIT}{_AGE_WORDS}\s+(?:or|and)\s+(?:older|over|above)", "min"),
    (rf"\bage[sd]?\s*(?:of\s+)?{_NUMBER}\s*(?:{_UNIT}\s*)?(?:or|and)\s+(?:older|over|above)", "min"),
    (rf"\b(?:under|younger\s+than|less\s+than|below)\s+{_NUMBER}\s+{_UNIT}{_AGE_WORDS_REQUIRED}", "max"),
    (rf"\bup\s+to\s+{_NUMBER}\s+{_UNIT}{_AGE_WORDS_REQUIRED}", "max"),
    (rf"(?:≤|<=|=<)\s*{_NUMBER}\s*{_UNIT}", "max"),
)
_PATTERNS = tuple((re.compile(pattern, re.IGNORECASE), kind) for pattern, kind in _PATTERN_TEXTS)
#: a criterion speaks about age when it says one of these words, or "years old" / "of age"
_ABOUT_AGE = re.compile(r"\b(?:age[sd]?|old|adults?|patients?|participants?|subjects?|children)\b", re.IGNORECASE)


def _age(number: str, unit: str | None) -> Age | None:
    return Age.parse(f"{number} {unit or 'years'}")


def age_limits_from_criteria(inclusion: Iterable[str]) -> tuple[Age | None, Age | None]:
    """(minimum, maximum) age stated by the first inclusion criterion that states one; (None, None) when none does.

    "Under 18 years of age" is kept as an upper limit of 18 years, as written (the registry would write 17 Years).
    """
    minimum: Age | None = None
    maximum: Age | None = None
    for text in inclusion:
        if not _ABOUT_AGE.search(text) and "year" not in text.lower():
            continue
        for pattern, kind in _PATTERNS:
            match = pattern.search(text)
            if match is None:
                continue
            groups = match.groups()  # (number, unit) or, for a range, (low, its unit, high, unit)
            if kind == "range":
                low, first_unit, high, unit = groups
                minimum = minimum or _age(low, first_unit or unit)
                maximum = maximum or _age(high, unit)
            elif kind == "min":
                minimum = minimum or _age(groups[0], groups[1])
            else:
                maximum = maximum or _age(groups[0], groups[1])
        if minimum or maximum:
            break
    return minimum, maximum
