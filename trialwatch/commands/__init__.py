"""One module per command; `trialwatch.cli` imports a command's module only when it runs."""
