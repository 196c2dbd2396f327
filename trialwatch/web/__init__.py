"""The local web app of `trialwatch serve`."""
