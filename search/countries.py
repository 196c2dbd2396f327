"""What patients call countries, beside the registry's names: adjectives ("French trials") and everyday names.

The registry's own country names are learned from the trials' sites (`index.vocabulary`), and pycountry knows the
official and common names; neither knows adjectives nor names like "South Korea", "Russia" or "the UK". This small
table fills that gap for the countries with the most registry sites (adjectives as listed in Wikipedia's "List of
adjectival and demonymic forms for countries and nations"). Each entry maps to the names a record may use.
"""

from __future__ import annotations

__all__ = ["ADJECTIVES", "ALIASES", "country_names", "is_adjective"]

#: adjective -> the country's names, as the registry may write them
ADJECTIVES: dict[str, tuple[str, ...]] = {
    "american": ("United States",), "canadian": ("Canada",), "mexican": ("Mexico",), "brazilian": ("Brazil",),
    "argentinian": ("Argentina",), "argentine": ("Argentina",), "chilean": ("Chile",), "colombian": ("Colombia",),
    "peruvian": ("Peru",), "british": ("United Kingdom",), "irish": ("Ireland",), "french": ("France",),
    "german": ("Germany",), "italian": ("Italy",), "spanish": ("Spain",), "portuguese": ("Portugal",),
    "dutch": ("Netherlands",), "belgian": ("Belgium",), "swiss": ("Switzerland",), "austrian": ("Austria",),
    "swedish": ("Sweden",), "norwegian": ("Norway",), "danish": ("Denmark",), "finnish": ("Finland",),
    "polish": ("Poland",), "czech": ("Czechia", "Czech Republic"), "hungarian": ("Hungary",),
    "romanian": ("Romania",), "bulgarian": ("Bulgaria",), "greek": ("Greece",), "russian": ("Russian Federation",),
    "ukrainian": ("Ukraine",), "turkish": ("Turkey", "Türkiye"), "israeli": ("Israel",), "egyptian": ("Egypt",),
    "saudi": ("Saudi Arabia",), "iranian": ("Iran, Islamic Republic of",), "pakistani": ("Pakistan",),
    "indian": ("India",), "chinese": ("China",), "taiwanese": ("Taiwan",), "japanese": ("Japan",),
    "korean": ("Korea, Republic of",), "thai": ("Thailand",), "vietnamese": ("Vietnam", "Viet Nam"),
    "malaysian": ("Malaysia",), "singaporean": ("Singapore",), "indonesian": ("Indonesia",),
    "filipino": ("Philippines",), "australian": ("Australia",), "south african": ("South Africa",),
    "nigerian": ("Nigeria",), "kenyan": ("Kenya",), "moroccan": ("Morocco",), "tunisian": ("Tunisia",),
    "lebanese": ("Lebanon",), "jordanian": ("Jordan",),
}
#: everyday name -> the country's names, as the registry may write them
ALIASES: dict[str, tuple[str, ...]] = {
    "usa": ("United States",), "america": ("United States",), "the us": ("United States",),
    "uk": ("United Kingdom",), "britain": ("United Kingdom",), "great britain": ("United Kingdom",),
    "england": ("United Kingdom",), "scotland": ("United Kingdom",), "wales": ("United Kingdom",),
    "holland": ("Netherlands",), "the netherlands": ("Netherlands",), "russia": ("Russian Federation",),
    "south korea": ("Korea, Republic of",), "korea": ("Korea, Republic of",), "iran": ("Iran, Islamic Republic of",),
    "czech republic": ("Czechia", "Czech Republic"), "turkey": ("Turkey", "Türkiye"),
    "vietnam": ("Vietnam", "Viet Nam"), "taiwan": ("Taiwan",),
}


def country_names(words: str) -> tuple[str, ...]:
    """The names a record may give the country `words` (lowercase) stand for; empty when they name none here."""
    return ALIASES.get(words, ()) or ADJECTIVES.get(words, ())


def is_adjective(words: str) -> bool:
    return words in ADJECTIVES
