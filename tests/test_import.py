"""`trialwatch import` end to end on the real registry downloads in ../shared/data/ctgov (exports, bulk zip)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from click.testing import CliRunner

from harvester.registry.files import iter_file
from trialwatch.cli import cli

CTGOV = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "ctgov"
BULK = CTGOV / "bulk" / "ctg-studies.urology-100.zip"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_bulk_zip_imports_and_reimport_is_unchanged(tmp_path: Path) -> None:
    bulk = tmp_path / "derived-bulk.zip"  # derived: the first 12 members of the real bulk zip (importing 100 takes s)
    with zipfile.ZipFile(BULK) as source, zipfile.ZipFile(bulk, "w") as target:
        for name in [name for name in source.namelist() if name.endswith(".json")][:12]:
            target.writestr(name, source.read(name))
    data_dir = tmp_path / "data"
    code, out, _ = run("import", "--data-dir", str(data_dir), str(bulk))
    assert (code, out.strip()) == (0, "read 12, new 12, changed 0, unchanged 0, skipped 0")
    code, out, _ = run("import", "--data-dir", str(data_dir), str(bulk))
    assert (code, out.strip()) == (0, "read 12, new 0, changed 0, unchanged 12, skipped 0")


def test_every_format_reads_the_same_studies(tmp_path: Path) -> None:
    export = sorted((CTGOV / "exports").glob("*.json"))[0]
    studies = json.loads(export.read_text())
    ndjson = tmp_path / "derived.ndjson"  # derived: the export's studies, one per line
    ndjson.write_text("\n".join(json.dumps(study) for study in studies))
    page = tmp_path / "derived-page.json"  # derived: the export's studies wrapped as an API list page
    page.write_text(json.dumps({"studies": studies, "nextPageToken": "x"}))
    single = tmp_path / "derived-single.json"
    single.write_text(json.dumps(studies[0], indent=2))
    expected = [study["protocolSection"]["identificationModule"]["nctId"] for study in studies]
    for path in (export, ndjson, page):
        assert [item.record["protocolSection"]["identificationModule"]["nctId"]  # type: ignore[index]
                for item in iter_file(path)] == expected
    assert len(list(iter_file(single))) == 1


def test_bad_member_is_skipped_and_named(tmp_path: Path) -> None:
    bad_zip = tmp_path / "derived.zip"  # derived: two real bulk members plus a truncated one and a non-study
    with zipfile.ZipFile(BULK) as source, zipfile.ZipFile(bad_zip, "w") as target:
        names = [name for name in source.namelist() if name.endswith(".json")][:2]
        for name in names:
            target.writestr(name, source.read(name))
        target.writestr("NCT00000001.json", source.read(names[0])[:500])
        target.writestr("NCT00000002.json", b'{"hello": 1}')
    code, out, _ = run("import", "--data-dir", str(tmp_path / "d"), str(bad_zip))
    assert code == 1
    assert out.startswith("read 4, new 2, changed 0, unchanged 0, skipped 2")
    assert "NCT00000001.json" in out and "NCT00000002.json" in out


def test_missing_path_and_unknown_format_are_usage_errors(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    for path in (tmp_path / "missing.json", text):
        code, _, err = run("import", "--data-dir", str(tmp_path / "d"), str(path))
        assert code == 2 and len(err.strip().splitlines()) == 1
