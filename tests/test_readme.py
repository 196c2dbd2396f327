"""The README documents every command and every option (the project's rule), checked against the CLI itself."""

from __future__ import annotations

from pathlib import Path

import click

from trialwatch.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_command_and_option_is_in_the_readme():
    missing = [
        f"trialwatch {name} {option}"
        for name, command in sorted(cli.commands.items())
        for parameter in command.params if isinstance(parameter, click.Option)
        for option in parameter.opts if option.startswith("--") and option not in README
    ]
    missing += [f"trialwatch {name}" for name in sorted(cli.commands) if f"trialwatch {name}" not in README]
    assert missing == [], "document these in README.md, with a runnable example: " + ", ".join(missing)

