"""Build the vcrpy cassettes in this directory from the real API v2 data in ../shared/data.

Run once from the repository root (``python cassettes/make_cassettes.py [SHARED_CTGOV_DIR]``); the cassettes are
committed and nothing at test time reads ../shared. The output is deterministic: same input, same bytes.
Every response body is either a shared file copied byte for byte or a small body labelled DERIVED, both in the
cassette's header comment and in cassettes/README.md. After writing, each cassette is read back with vcrpy's own
loader and its bodies compared with the intended bytes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import yaml
from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

HERE = Path(__file__).resolve().parent
DEFAULT_SHARED = HERE.parent.parent / "shared" / "data" / "ctgov"
API = "https://clinicaltrials.gov/api/v2"
USER_AGENT = "trialwatch/0.1.0 (+https://github.com/trialwatch/trialwatch)"
FORMAT = {"format": "json", "markupFormat": "markdown"}


@dataclass
class Interaction:
    path: str
    params: dict[str, str]
    status: int
    reason: str
    body: bytes = b""
    content_type: str | None = "application/json"
    extra_headers: dict[str, str] = field(default_factory=dict)
    accept: str = "application/json"
    base: str = API

    @property
    def uri(self) -> str:
        return f"{self.base}{self.path}" + (f"?{urlencode(self.params)}" if self.params else "")

    def as_dict(self) -> dict:
        headers = {}
        if self.content_type:
            headers["Content-Type"] = [self.content_type]
        headers["Content-Length"] = [str(len(self.body))]
        headers.update({name: [value] for name, value in self.extra_headers.items()})
        return {
            "request": {
                "method": "GET",
                "uri": self.uri,
                "body": None,
                "headers": {
                    "Host": [urlsplit(self.base).netloc],
                    "Accept": [self.accept],
                    "Accept-Encoding": ["gzip, deflate"],
                    "Connection": ["keep-alive"],
                    "User-Agent": [USER_AGENT],
                },
            },
            "response": {
                "status": {"code": self.status, "message": self.reason},
                "headers": headers,
                "body": {"string": self.body.decode("utf-8")},
            },
        }


class _Dumper(yaml.SafeDumper):
    """Multi-line bodies as literal blocks (PyYAML falls back to quoting where a block cannot hold them)."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _represent_str)


def write_cassette(name: str, comment: str, interactions: list[Interaction]) -> None:
    data = {"version": 1, "interactions": [interaction.as_dict() for interaction in interactions]}
    header = "".join(f"# {line}".rstrip() + "\n" for line in comment.strip().splitlines())
    text = header + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000_000)
    path = HERE / name
    path.write_text(text, encoding="utf-8")
    _, responses = deserialize(path.read_text(encoding="utf-8"), yamlserializer)
    for interaction, response in zip(interactions, responses, strict=True):
        assert response["body"]["string"] == interaction.body, f"{name}: a body did not survive the round trip"
    print(f"wrote {path.name}: {len(interactions)} interaction(s), {path.stat().st_size} bytes")


def main(shared: Path) -> None:
    def read(relative: str) -> bytes:
        return (shared / relative).read_bytes()

    search = {**FORMAT, "query.cond": "lupus", "query.intr": "lenalidomide", "pageSize": "2"}
    search_pages = [
        Interaction("/studies", search, 200, "OK",
                    read("pages/page-pageSize2-NCT00184067-NCT03934567.cyanheads-2025-06-17.json")),
        Interaction("/studies", {**search, "pageToken": "NF0g5JCG"}, 200, "OK",
                    read("pages/page-with-nextPageToken-NCT04523987.v2.json")),
        Interaction("/studies", {**search, "pageToken": "NF0g5JE"}, 200, "OK",
                    read("pages/page-single-NCT06388018.v2.json")),
    ]
    version = Interaction("/version", {}, 200, "OK", b'{"apiVersion":"2.0.5","dataTimestamp":"2025-09-11T09:15:04"}')
    write_cassette(
        "search_multipage.yaml",
        """
GET /studies?query.cond=lupus&query.intr=lenalidomide&pageSize=2, three pages chained by pageToken.
Bodies: real /studies pages copied byte for byte (no body was changed):
  page 1: pages/page-pageSize2-NCT00184067-NCT03934567.cyanheads-2025-06-17.json (nextPageToken NF0g5JCG)
  page 2: pages/page-with-nextPageToken-NCT04523987.v2.json (nextPageToken NF0g5JE)
  page 3: pages/page-single-NCT06388018.v2.json (no nextPageToken: the last page)
DERIVED: the requests. The pages answered other queries; they are served here for a lupus query, and each
later request carries the previous page's real token. None of the studies is a lupus trial.
        """,
        search_pages,
    )

    counted = {**FORMAT, "query.cond": "lupus", "query.intr": "lenalidomide", "pageSize": "1"}
    empty_token = "DERIVEDemptyPage"
    write_cassette(
        "search_count_total_empty_page.yaml",
        f"""
GET /studies?query.cond=lupus&query.intr=lenalidomide&pageSize=1&countTotal=true, three pages; countTotal
is sent on the first request only.
  page 1: pages/page-countTotal-NCT00711542.kylevogeler-2026-03.json, byte for byte (totalCount 3787,
          nextPageToken ZVNj7o2Elu8o3lppVtqgtbrumpOQJJxuZfel0A)
  page 2: DERIVED body {{"studies":[],"nextPageToken":"{empty_token}"}}: an empty page, which the API spec
          allows mid-chain; its token is made up
  page 3: pages/page-single-NCT03281889.v2.json, byte for byte (no nextPageToken: the last page)
DERIVED: the requests (the real pages answered other queries; none of the studies is a lupus trial).
        """,
        [
            Interaction("/studies", {**counted, "countTotal": "true"}, 200, "OK",
                        read("pages/page-countTotal-NCT00711542.kylevogeler-2026-03.json")),
            Interaction("/studies", {**counted, "pageToken": "ZVNj7o2Elu8o3lppVtqgtbrumpOQJJxuZfel0A"}, 200, "OK",
                        f'{{"studies":[],"nextPageToken":"{empty_token}"}}'.encode()),
            Interaction("/studies", {**counted, "pageToken": empty_token}, 200, "OK",
                        read("pages/page-single-NCT03281889.v2.json")),
        ],
    )

    write_cassette(
        "study_single.yaml",
        """
GET /studies/NCT04267848: records/NCT04267848.v2.compact-2025-09.json byte for byte (the compact one-line
JSON the API sends; versionHolder 2025-09-11).
        """,
        [Interaction("/studies/NCT04267848", FORMAT, 200, "OK", read("records/NCT04267848.v2.compact-2025-09.json"))],
    )

    write_cassette(
        "version.yaml",
        """
GET /version. DERIVED body: no real /version answer is stored. Built from the spec's Version schema
(apiVersion, dataTimestamp as yyyy-MM-dd'T'HH:mm:ss); apiVersion 2.0.5 as in third-party mocks; the date is
NCT04267848's versionHolder (2025-09-11), the time of day is made up.
        """,
        [version],
    )

    write_cassette(
        "harvest_lupus.yaml",
        """
A whole harvest as `harvest_query` makes it: GET /version (the DERIVED body of version.yaml), then the three
real /studies pages of search_multipage.yaml for query.cond=lupus&query.intr=lenalidomide&pageSize=2.
        """,
        [version, *search_pages],
    )

    write_cassette(
        "study_404.yaml",
        """
GET /studies/NCT99999999 -> 404. DERIVED body: text/plain as the spec declares; the wording
"NCT number NCT99999999 not found" (and charset=UTF-8) is what several third-party projects report the live
API answering; not captured by us.
        """,
        [Interaction("/studies/NCT99999999", FORMAT, 404, "Not Found", b"NCT number NCT99999999 not found",
                     content_type="text/plain; charset=UTF-8")],
    )

    write_cassette(
        "study_alias_301.yaml",
        """
GET /studies/NCT99999998 -> 301 -> GET /studies/NCT00973089.
DERIVED: the alias. No real NCTIdAlias pair is stored; NCT99999998 is a made-up alias id, and the Location
(absolute, query kept) is a guess at the live form. The 200 body is records/NCT00973089.v2.json byte for byte.
        """,
        [
            Interaction("/studies/NCT99999998", FORMAT, 301, "Moved Permanently", content_type=None,
                        extra_headers={"Location": f"{API}/studies/NCT00973089?{urlencode(FORMAT)}"}),
            Interaction("/studies/NCT00973089", FORMAT, 200, "OK", read("records/NCT00973089.v2.json")),
        ],
    )

    write_cassette(
        "rate_limited_429_then_ok.yaml",
        """
GET /studies/NCT00184067 twice: 429 Too Many Requests with Retry-After: 1, then 200.
DERIVED: the 429 (the registry documents no 429; empty body). The 200 body is
records/NCT00184067.v2.cyanheads-2025-06-17.json byte for byte.
        """,
        [
            Interaction("/studies/NCT00184067", FORMAT, 429, "Too Many Requests", content_type=None,
                        extra_headers={"Retry-After": "1"}),
            Interaction("/studies/NCT00184067", FORMAT, 200, "OK",
                        read("records/NCT00184067.v2.cyanheads-2025-06-17.json")),
        ],
    )

    nginx_503 = (
        b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
        b"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n"
        b"</body>\r\n</html>\r\n"
    )
    write_cassette(
        "unavailable_503_then_ok.yaml",
        """
GET /studies/NCT03934567 twice: 503, then 200.
DERIVED: the 503, with nginx's default error page as body (API Evangelist saw nginx error pages there).
The 200 body is records/NCT03934567.v2.cyanheads-2025-06-17.json byte for byte.
        """,
        [
            Interaction("/studies/NCT03934567", FORMAT, 503, "Service Temporarily Unavailable", nginx_503,
                        content_type="text/html"),
            Interaction("/studies/NCT03934567", FORMAT, 200, "OK",
                        read("records/NCT03934567.v2.cyanheads-2025-06-17.json")),
        ],
    )

    write_cassette(
        "bad_request_400.yaml",
        """
GET /studies/download?format=csv&query.cond=cancer&pageSize=1 -> 400 text/plain
"Invalid prefix in parameter name: query.cond" (44 bytes): the request and answer API Evangelist observed live
(api-evangelist/clinical-trials-gov errors/clinical-trials-gov-problem-types.yml, probed 2026-09-06; see
SOURCES.md F). Only the status line and body were reported; the other headers are modelled.
        """,
        [Interaction("/studies/download", {"format": "csv", "query.cond": "cancer", "pageSize": "1"}, 400,
                     "Bad Request", b"Invalid prefix in parameter name: query.cond",
                     content_type="text/plain; charset=UTF-8", accept="text/html,*/*;q=0.8")],
    )

    write_refresh_cassettes(shared)
    write_real_lupus_harvest_cassette(shared)
    write_page_cassettes()


# --- refresh scenario (issue 4): three nightly refreshes of the default "lupus" watch ---------------------------

REFRESH_QUERY = {**FORMAT, "query.cond": "lupus OR cutaneous lupus erythematosus", "pageSize": "100"}
#: the registry data timestamps of the three nights (DERIVED, like version.yaml's)
REFRESH_DATA_TIMESTAMPS = ("2025-01-06T09:00:00", "2025-09-11T09:15:04", "2025-09-12T09:10:00")
REFRESH_WINDOW = "AREA[LastUpdatePostDate]RANGE[2025-01-05,MAX]"  # night 1's data date minus one day


def later_nct06714279(record: dict) -> dict:
    """DERIVED: a later version of the real NCT06714279 (NOT_YET_RECRUITING): recruiting, criteria and a site changed.

    Every field changed is listed in cassettes/README.md; everything else is the real record.
    """
    import copy

    later = copy.deepcopy(record)
    status = later["protocolSection"]["statusModule"]
    status["overallStatus"] = "RECRUITING"
    status["statusVerifiedDate"] = "2025-03"
    status["startDateStruct"] = {"date": "2025-03-03", "type": "ACTUAL"}
    status["lastUpdateSubmitDate"] = "2025-03-01"
    status["lastUpdatePostDateStruct"] = {"date": "2025-03-04", "type": "ACTUAL"}
    eligibility = later["protocolSection"]["eligibilityModule"]
    old_exclusion = "* Patients failing to meet the above inclusion criteria."
    assert old_exclusion in eligibility["eligibilityCriteria"]
    eligibility["eligibilityCriteria"] = eligibility["eligibilityCriteria"].replace(
        old_exclusion, "* Known allergy to local anaesthetic agents\n* Pregnancy")
    later["protocolSection"]["contactsLocationsModule"]["locations"] = [
        {"facility": "Beaumont Hospital", "status": "RECRUITING", "city": "Dublin", "country": "Ireland"}]
    later["derivedSection"]["miscInfoModule"]["versionHolder"] = "2025-09-10"
    return later


def write_real_lupus_harvest_cassette(shared: Path) -> None:
    """harvest_real_lupus.yaml: a lupus harvest answered with the real lupus records of the downloads."""
    import json

    sys.path.insert(0, str(HERE.parent))
    from harvester.registry.files import iter_file

    found = {}
    for folder in ("exports", "bulk"):
        for path in sorted((shared / folder).iterdir()):
            for item in iter_file(path):
                protocol = (item.record or {}).get("protocolSection", {})
                if any("lupus" in condition.lower() for condition in protocol.get("conditionsModule", {})
                       .get("conditions", [])):
                    found[protocol["identificationModule"]["nctId"]] = (item.record, f"{folder}/{path.name}")
    query = {**FORMAT, "query.cond": "lupus", "pageSize": "1"}
    ids = sorted(found, reverse=True)  # the SLE trial (NCT05843643) first
    interactions = [Interaction("/version", {}, 200, "OK",
                                b'{"apiVersion":"2.0.5","dataTimestamp":"2023-06-29T09:00:00"}')]
    for number, nct_id in enumerate(ids):
        page: dict = {"studies": [found[nct_id][0]]}
        if number + 1 < len(ids):
            page["nextPageToken"] = f"DERIVEDlupus{number + 2}"
        params = {**query, **({"pageToken": f"DERIVEDlupus{number + 1}"} if number else {})}
        interactions.append(Interaction("/studies", params, 200, "OK",
                                        json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode()))
    sources = "\n".join(f"  page {number + 1}: {nct_id}, {found[nct_id][1]}" for number, nct_id in enumerate(ids))
    write_cassette(
        "harvest_real_lupus.yaml",
        f"""
A harvest of query.cond=lupus&pageSize=1 (tests/test_harvest.py): GET /version, then one page per study.
The studies are the real records, content unchanged (re-serialised compactly), of every study in the website
exports and the bulk sample whose conditions mention lupus:
{sources}
DERIVED: the page wrappers and their nextPageToken values (DERIVEDlupusN), and the /version body (dataTimestamp
2023-06-29, NCT05843643's versionHolder; the time of day is made up). The live registry answers this query with
many more lupus trials; these are the ones stored offline.
        """,
        interactions,
    )


def write_refresh_cassettes(shared: Path) -> None:
    import json

    def record(relative: str, nct_id: str | None = None) -> dict:
        data = json.loads((shared / relative).read_bytes())
        if nct_id is None:
            return data
        return next(s for s in data["studies"] if s["protocolSection"]["identificationModule"]["nctId"] == nct_id)

    def page(*records: dict) -> bytes:
        return json.dumps({"studies": list(records)}, ensure_ascii=False, separators=(",", ":")).encode()

    def version(stamp: str) -> Interaction:
        return Interaction("/version", {}, 200, "OK", f'{{"apiVersion":"2.0.5","dataTimestamp":"{stamp}"}}'.encode())

    melanoma = record("records/NCT00184067.v2.cyanheads-2025-06-17.json")
    pancreatic = record("records/NCT04523987.v2.json")
    lymphoma = record("records/NCT03934567.v2.cyanheads-2025-06-17.json")
    cholecystectomy = record("pages/page-default-pageSize10.capybara-vh2024-12-19.json", "NCT06714279")
    later = later_nct06714279(cholecystectomy)
    sources = """
Records (each re-serialised as compact JSON inside a DERIVED page body {"studies":[...]}; content unchanged):
  NCT00184067  records/NCT00184067.v2.cyanheads-2025-06-17.json
  NCT04523987  records/NCT04523987.v2.json
  NCT03934567  records/NCT03934567.v2.cyanheads-2025-06-17.json
  NCT06714279  pages/page-default-pageSize10.capybara-vh2024-12-19.json (studies[2]), NOT_YET_RECRUITING
None of them is a lupus trial: the pages answer the default lupus watch with other real records.
The /version bodies are DERIVED (dataTimestamp chosen for the scenario)."""
    write_cassette(
        "refresh_1_full.yaml",
        f"""
Refresh night 1 of the "lupus" watch: its first refresh, so a complete listing (no date filter).
GET /version (dataTimestamp {REFRESH_DATA_TIMESTAMPS[0]}), then one /studies page: NCT00184067, NCT04523987,
NCT06714279 (real, NOT_YET_RECRUITING).{sources}
        """,
        [version(REFRESH_DATA_TIMESTAMPS[0]),
         Interaction("/studies", REFRESH_QUERY, 200, "OK", page(melanoma, pancreatic, cholecystectomy))],
    )
    write_cassette(
        "refresh_2_incremental.yaml",
        f"""
Refresh night 2: incremental, filter.advanced={REFRESH_WINDOW}.
GET /version (dataTimestamp {REFRESH_DATA_TIMESTAMPS[1]}), then one /studies page: a later version of NCT06714279
(DERIVED, see cassettes/README.md: RECRUITING, verified 2025-03, started 2025-03-03, last update posted
2025-03-04, exclusion criteria changed, one site added) and NCT03934567 (real, ACTIVE_NOT_RECRUITING, last
update posted 2025-04-10: new to the watch).{sources}
        """,
        [version(REFRESH_DATA_TIMESTAMPS[1]),
         Interaction("/studies", {**REFRESH_QUERY, "filter.advanced": REFRESH_WINDOW}, 200, "OK",
                     page(later, lymphoma))],
    )
    write_cassette(
        "refresh_3_full.yaml",
        f"""
Refresh night 3, with --full: a complete listing that no longer returns NCT04523987, then
GET /studies/NCT04523987 (records/NCT04523987.v2.json byte for byte: still in the registry, unchanged).
GET /version (dataTimestamp {REFRESH_DATA_TIMESTAMPS[2]}); the page holds NCT00184067, NCT03934567 and the
DERIVED later NCT06714279 of night 2.{sources}
        """,
        [version(REFRESH_DATA_TIMESTAMPS[2]),
         Interaction("/studies", REFRESH_QUERY, 200, "OK", page(melanoma, lymphoma, later)),
         Interaction("/studies/NCT04523987", FORMAT, 200, "OK", read_bytes(shared, "records/NCT04523987.v2.json"))],
    )


def read_bytes(shared: Path, relative: str) -> bytes:
    return (shared / relative).read_bytes()


# --- trial pages (issue 5): ClinConnect pages, whose HTML is RECONSTRUCTED ---------------------------------------

PAGE_SITE = "https://clinconnect.io"
PAGE_FIXTURES = HERE.parent / "tests" / "fixtures" / "pages"
HTML_ACCEPT = "text/html,*/*;q=0.8"
#: DERIVED robots.txt bodies: no real robots.txt of the site was captured
ROBOTS_ALLOWING = b"User-agent: *\nDisallow: /api/\n\nSitemap: https://clinconnect.io/sitemap.xml\n"
ROBOTS_DISALLOWING_TRIALWATCH = b"User-agent: trialwatch\nDisallow: /trials/\n\nUser-agent: *\nAllow: /\n"
PAGE_SOURCES = """
The page body is tests/fixtures/pages/NCT06965244.reconstructed.html byte for byte: RECONSTRUCTED HTML written
around the visible text captured from the ClinConnect page (../shared/data/pages/NCT06965244.clinconnect.txt);
ClinConnect's own HTML was not captured. The robots.txt bodies and every other answer are DERIVED."""


def _page_interaction(path: str, status: int, reason: str, body: bytes = b"", *,
                      content_type: str | None = "text/html; charset=utf-8", **headers: str) -> Interaction:
    return Interaction(path, {}, status, reason, body, content_type=content_type, accept=HTML_ACCEPT, base=PAGE_SITE,
                       extra_headers=headers)


def write_page_cassettes() -> None:
    html = (PAGE_FIXTURES / "NCT06965244.reconstructed.html").read_bytes()
    robots_ok = _page_interaction("/robots.txt", 200, "OK", ROBOTS_ALLOWING, content_type="text/plain; charset=utf-8")
    page_ok = _page_interaction("/trials/NCT06965244", 200, "OK", html)
    write_cassette(
        "page_clinconnect.yaml",
        f"GET {PAGE_SITE}/robots.txt (DERIVED: allows /trials/), then GET /trials/NCT06965244 -> 200.{PAGE_SOURCES}",
        [robots_ok, page_ok],
    )
    write_cassette(
        "page_429_then_ok.yaml",
        f"GET /robots.txt (DERIVED, allowing), then GET /trials/NCT06965244 twice: 429 with Retry-After: 1 (DERIVED,"
        f" empty body), then 200.{PAGE_SOURCES}",
        [robots_ok, _page_interaction("/trials/NCT06965244", 429, "Too Many Requests", content_type=None,
                                      **{"Retry-After": "1"}), page_ok],
    )
    not_found = b"<!DOCTYPE html><html><body><h1>404</h1><p>This page could not be found.</p></body></html>"
    write_cassette(
        "page_404.yaml",
        "GET /robots.txt -> 404 (so every page is allowed), then GET /trials/NCT99999999 -> 404. DERIVED: both"
        " answers, and the body (a generic 404 page); NCT99999999 is a made-up id.",
        [_page_interaction("/robots.txt", 404, "Not Found", not_found),
         _page_interaction("/trials/NCT99999999", 404, "Not Found", not_found)],
    )
    write_cassette(
        "page_robots_disallowed.yaml",
        "GET /robots.txt -> 200 with a DERIVED body that disallows /trials/ for trialwatch; the page itself is not"
        " in the cassette, because it must not be requested.",
        [_page_interaction("/robots.txt", 200, "OK", ROBOTS_DISALLOWING_TRIALWATCH,
                           content_type="text/plain; charset=utf-8")],
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SHARED)
