"""The README documents every command and every option (as sqlite-utils' tests/test_docs.py does for its docs)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from trialwatch.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        path = (*prefix, name)
        yield path, command
        if isinstance(command, click.Group):
            yield from commands(command, path)


COMMANDS = dict(commands(cli))
OPTIONS = sorted(
    (" ".join(path), flag)
    for path, command in COMMANDS.items()
    for parameter in command.params
    if isinstance(parameter, click.Option) and not parameter.hidden
    for flag in [max(parameter.opts, key=len)]
    if flag != "--help"
)


@pytest.mark.parametrize("path", sorted(" ".join(path) for path in COMMANDS))
def test_every_command_is_in_the_readme(path):
    assert re.search(rf"trialwatch {re.escape(path)}\b", README), f"README.md never shows `trialwatch {path}`"


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) of each ``##`` / ``###`` section."""
    parts = re.split(r"^(#{2,3} .*)$", text, flags=re.M)
    return list(zip(parts[1::2], parts[2::2], strict=True))


#: the "## Commands" preamble: the options every command takes
COMMON = next(body for heading, body in sections(README) if heading == "## Commands")


def documentation_of(path: str) -> str:
    """What the README says of a command: the sections whose heading names it, and the common options."""
    top = path.split()[0]
    own = [body for heading, body in sections(README) if re.search(rf"`trialwatch {re.escape(top)}`", heading)]
    assert own, f"README.md has no section headed with `trialwatch {top}`"
    return "\n".join([COMMON, *own])


@pytest.mark.parametrize(("path", "flag"), OPTIONS)
def test_every_option_is_in_its_commands_section(path, flag):
    # the option as a whole word: `--near` is not documented by `--near-me`
    assert re.search(rf"{re.escape(flag)}(?![\w-])", documentation_of(path)), (
        f"README.md's section on `trialwatch {path}` never mentions {flag}")


def test_the_commands_are_found():
    assert {"search", "harvest", "watch add", "serve"} <= {" ".join(path) for path in COMMANDS}
    assert ("search", "--drug") in OPTIONS
