"""Age limits read from criteria text (`harvester.registry.criteria_ages`), for trials known only from a page."""

from __future__ import annotations

import pytest

from harvester.registry.criteria_ages import age_limits_from_criteria


@pytest.mark.parametrize(("criteria", "expected"), [
    (["Patients of at least 18 years of age"], ("18 years", None)),  # the CLE trial's page, verbatim
    (["Men and women aged 18 or older"], ("18 years", None)),
    (["Age ≥ 18 years"], ("18 years", None)),
    (["18 years and above"], ("18 years", None)),
    (["Aged 18 to 75 years"], ("18 years", "75 years")),
    (["Age 12-17 years at screening"], ("12 years", "17 years")),
    (["between 18 and 65 years old"], ("18 years", "65 years")),
    (["Infants aged 6 months or older"], ("6 months", None)),
    (["up to 70 years of age"], (None, "70 years")),
    # a treatment's length, a disease's duration: no age
    (["Active CLE despite antimalarials used for at least 3 months"], (None, None)),
    (["Disease duration of at least 2 years"], (None, None)),
    # the first criterion that states an age decides
    (["Diagnosis of SLE", "at least 16 years old", "at least 18 years of age"], ("16 years", None)),
    ([], (None, None)),
])
def test_age_limits_from_criteria(criteria, expected):
    minimum, maximum = age_limits_from_criteria(criteria)
    assert (str(minimum) if minimum else None, str(maximum) if maximum else None) == expected
