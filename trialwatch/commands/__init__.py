"""One module per command; `trialwatch.cli` imports a command's module only when it runs."""

__all__: list[str] = []  # a command is its module's; `trialwatch.cli.COMMANDS` names them
