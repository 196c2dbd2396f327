"""`trialwatch show`: whom to contact and the sites nearest a place, in the terminal and as JSON."""

from __future__ import annotations

import json

from click.testing import CliRunner

from trialwatch.cli import cli


def show(data_dir, *args):
    return CliRunner(env={"COLUMNS": "80"}).invoke(cli, ["show", *args, "--data-dir", str(data_dir)])


def block(output: str, heading: str) -> list[str]:
    lines = output.splitlines()
    start = lines.index(heading)
    end = next((number for number in range(start + 1, len(lines)) if not lines[number]), len(lines))
    return lines[start:end]


def test_contacts_nearest_site_first_then_the_trials_then_who_is_responsible(snapshot_template):
    result = show(snapshot_template, "NCT03281889", "--near", "Houston")  # sites in Boston and Houston
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("trialwatch: near Houston, TX, United States")
    contacts = block(result.stdout, "Contacts:")
    assert contacts[1].startswith("  At the nearest site with a contact, ") and "Houston" in contacts[1]
    assert "km, recruiting):" in " ".join(contacts[1:3])
    assert any(line.startswith("    - ") and "phone " in line for line in contacts)
    assert "  For the whole trial:" in contacts and "  Responsible:" in contacts
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    places = block(result.stdout, "Places (2), nearest to Houston, TX, United States first:")
    assert places[1].startswith("  - ") and " km: " in places[1] and "Houston" in places[1]
    assert "Boston" in " ".join(places[2:])


def test_a_record_without_contacts_says_so_with_the_registry_link(snapshot_template):
    result = show(snapshot_template, "NCT04431453")
    contacts = " ".join(block(result.stdout, "Contacts:"))
    assert "The record names no one to contact." in contacts
    assert "https://clinicaltrials.gov/study/NCT04431453" in contacts


def test_json_has_the_contacts_and_a_bad_place_is_a_usage_error(snapshot_template):
    model = json.loads(show(snapshot_template, "NCT03281889", "--format", "json").stdout)
    assert model["central_contacts"] and model["overall_officials"]
    assert all("contacts" in location for location in model["locations"])
    failed = show(snapshot_template, "NCT03281889", "--near", "Houstn")
    assert failed.exit_code == 2 and "unknown place 'Houstn'" in failed.stderr
    assert len(failed.stderr.splitlines()) == 1
