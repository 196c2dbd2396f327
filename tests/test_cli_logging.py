"""The command line logs on the packages' loggers and leaves the root logger to whoever embeds the packages."""

from __future__ import annotations

import logging

from click.testing import CliRunner

from trialwatch.cli import PACKAGE_LOGGERS, cli


def test_verbose_logs_on_the_package_loggers_and_leaves_the_root_logger_alone():
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    packages = [logging.getLogger(name) for name in PACKAGE_LOGGERS]
    saved = [(list(logger.handlers), logger.level) for logger in packages]
    try:
        result = CliRunner().invoke(cli, ["-v", "index", "--help"])
        assert result.exit_code == 0, result.output
        assert (list(root.handlers), root.level) == before
        for logger in packages:
            assert logger.level == logging.INFO and len(logger.handlers) == 1, logger.name
        assert logging.getLogger("httpx").handlers == []  # HTTP requests only with -vv
    finally:
        for logger, (handlers, level) in zip(packages, saved, strict=True):
            logger.handlers[:] = handlers
            logger.setLevel(level)
