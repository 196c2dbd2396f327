"""What changed: diffs between versions, change events, watches and the nightly refresh."""
