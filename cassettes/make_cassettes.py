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
from urllib.parse import urlencode

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

    @property
    def uri(self) -> str:
        return f"{API}{self.path}" + (f"?{urlencode(self.params)}" if self.params else "")

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
                    "Host": ["clinicaltrials.gov"],
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


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SHARED)
