"""The Whoosh search index of a data dir: schema, documents, atomic rebuilds and incremental updates.

Entry points: `index.build.rebuild_index`, `index.build.update_index`, `index.storage.open_index`.
"""
