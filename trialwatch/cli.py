"""The `trialwatch` command: a thin click layer over the library.

Only this layer turns library errors into messages and exit codes: 0 ok, 1 runtime failure, 2 usage.
Commands are imported lazily so that `trialwatch search` does not pay for the harvester's imports.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from harvester.errors import TrialwatchError, UsageError, data_dir_error
from trialwatch import __version__

__all__ = [
    "COMMANDS",
    "HTTP_LOGGERS",
    "PACKAGE_LOGGERS",
    "CommandFailed",
    "LazyGroup",
    "cli",
    "configure_logging",
    "error_line",
    "main",
    "package_loggers",
]

EXIT_FAILURE, EXIT_USAGE = 1, 2

#: command name -> "module:function" under trialwatch.commands
COMMANDS = {
    "changes": "changes:changes",
    "harvest": "harvest:harvest",
    "harvest-pages": "harvest_pages:harvest_pages",
    "import": "import_files:import_command",
    "refresh": "refresh:refresh",
    "watch": "watch:watch",
    "index": "index:index_command",
    "search": "search:search",
    "show": "show:show",
    "serve": "serve:serve",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[name].split(":")
        module = importlib.import_module(f"trialwatch.commands.{module_name}")
        command: click.Command = getattr(module, attribute)
        return command

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except TrialwatchError as error:
            raise CommandFailed(error) from error
        except OSError as error:  # a file-system surprise no part of trialwatch foresaw: still one line
            if error.filename is None:
                raise
            raise CommandFailed(data_dir_error(error.filename, error, "this command")) from error


#: the packages whose loggers the command line shows on stderr (the root logger is left to whoever embeds them)
PACKAGE_LOGGERS = ("harvester", "index", "search", "trialwatch")
#: httpx logs every request at INFO: shown with -vv only
HTTP_LOGGERS = ("httpx", "httpcore")


def package_loggers() -> list[logging.Logger]:
    return [logging.getLogger(name) for name in PACKAGE_LOGGERS]


def configure_logging(verbosity: int) -> None:
    """Log the packages' records to stderr: warnings, with -v information, with -vv debugging and HTTP requests."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("trialwatch: %(levelname)s: %(message)s" if verbosity < 2 else
                                           "%(asctime)s %(name)s %(levelname)s: %(message)s"))
    for logger in package_loggers():
        logger.handlers[:] = [handler]
        logger.setLevel(level)
    for name in HTTP_LOGGERS:
        http = logging.getLogger(name)
        http.handlers[:] = [handler] if verbosity >= 2 else []
        http.setLevel(logging.DEBUG if verbosity >= 2 else logging.WARNING)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for HTTP requests).")
@click.version_option(__version__, prog_name="trialwatch")
def cli(verbose: int) -> None:
    """Harvest, version and search clinical-trial registry records (ClinicalTrials.gov API v2)."""
    configure_logging(verbose)


def error_line(error: TrialwatchError) -> str:
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"trialwatch: error: {message}" + (f" (hint: {error.hint})" if error.hint else "")


class CommandFailed(click.ClickException):
    """A library error as click sees it: one line on stderr, exit 2 for usage errors, 1 otherwise."""

    def __init__(self, error: TrialwatchError) -> None:
        super().__init__(error_line(error))
        self.exit_code = EXIT_USAGE if isinstance(error, UsageError) else EXIT_FAILURE  # type: ignore[misc]

    def show(self, file: object = None) -> None:
        click.echo(self.message, err=True)


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="trialwatch")
