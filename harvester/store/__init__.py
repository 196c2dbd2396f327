"""The versioned store: schema, SQL, content hashing, merged trials and the bundled snapshot."""
