"""Build the search index from the store alone (no network): a full rebuild, or an update of changed trials only."""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harvester.errors import IndexDamaged, SearchIndexError, TrialwatchError
from harvester.models import Trial
from harvester.store.store import Store
from harvester.store.trials import merged_trial
from index.documents import trial_document
from index.lengths import memory_field_lengths
from index.lock import DEFAULT_LOCK_TIMEOUT, writer_lock
from index.postings import fused_positions
from index.schema import SCHEMA_VERSION, build_schema
from index.storage import IndexLocation, IndexState, check_intact, read_state, write_state
from index.vocabulary import VocabularyBuilder

__all__ = [
    "COMPOUND_SEGMENTS",
    "MULTIPROCESS_MINIMUM",
    "REBUILD_PROCESSES",
    "WRITER_MEMORY_MB",
    "WRITER_MEMORY_SHARE",
    "IndexSummary",
    "rebuild_damaged",
    "rebuild_index",
    "update_index",
]

logger = logging.getLogger(__name__)

#: worker processes of a full rebuild of many trials; the parent parses trials while the workers index them
REBUILD_PROCESSES = 2
#: fewer trials than this are indexed in one process sooner than it takes to start several
MULTIPROCESS_MINIMUM = 1000
#: False: segments stay separate files, not one compound file, so a searcher opening the index reads them in place
#: instead of copying each segment into memory
COMPOUND_SEGMENTS = False
#: the share of the machine's memory the writer processes of a build may hold postings in, together: beyond it they
#: spill sorted runs to temporary files and merge them at commit (at 100,000 trials, 1 GB each: 8.2 CPU-ms per trial,
#: 3 GB each: 7.1)
WRITER_MEMORY_SHARE = 0.25
#: the most, and the least, one writer process holds in memory before spilling (MB)
WRITER_MEMORY_MB = (256, 4096)


@dataclass(frozen=True)
class IndexSummary:
    """What one index run did."""

    action: Literal["rebuilt", "updated", "unchanged"]
    #: documents written (added or replaced)
    documents: int
    #: the store's newest version id the index now reflects
    store_version_id: int
    seconds: float

    def line(self) -> str:
        if self.action == "unchanged":
            return "index: up to date"
        what = "trials" if self.action == "rebuilt" else "changed trials"
        return f"index: {self.action}, {self.documents} {what} in {self.seconds:.1f} s"


def rebuild_index(
    store: Store, data_dir: Path, *, processes: int | None = None, lock_timeout: float = DEFAULT_LOCK_TIMEOUT
) -> IndexSummary:
    """Index every trial of the store into a new generation, then make it the live index.

    `processes` writer processes index (by default `REBUILD_PROCESSES` for a store of `MULTIPROCESS_MINIMUM` trials
    or more, else one). Raises `LockedError` when another writer holds the index beyond `lock_timeout` seconds.
    """
    location = IndexLocation.of(data_dir)
    with writer_lock(location.lock_path, lock_timeout):
        _remove_unfinished(location)
        return _rebuild(store, location, processes)


def rebuild_damaged(data_dir: Path) -> IndexSummary:
    """Rebuild a data dir's index from its store alone, after `IndexDamaged` (the store is the truth)."""
    with Store.open(data_dir) as store:
        return rebuild_index(store, data_dir)


def update_index(store: Store, data_dir: Path, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> IndexSummary:
    """Re-index only the trials with a version newer than the index reflects.

    Builds the index in full when there is none yet, when it was built with another schema version, or when the
    store is older than the index (a replaced store). Call it after storing new versions. Raises `LockedError` when
    another writer holds the index beyond `lock_timeout` seconds.
    """
    location = IndexLocation.of(data_dir)
    with writer_lock(location.lock_path, lock_timeout):
        _remove_unfinished(location)
        generation = location.current()
        state = read_state(generation) if generation else None
        if (
            generation is None
            or state is None
            or state.schema_version != SCHEMA_VERSION
            or store.max_version_id() < state.store_version_id
        ):
            return _rebuild(store, location, None)
        try:
            check_intact(generation, state)
        except IndexDamaged as damage:
            logger.warning("%s; rebuilding it from the store", damage)
            return _rebuild(store, location, None)
        return _update(store, generation, state)


def _remove_unfinished(location: IndexLocation) -> None:
    for name in location.remove_unfinished():
        logger.warning("removed %s from %s: an index build that was killed before it finished", name, location.root)


def _rebuild(store: Store, location: IndexLocation, processes: int | None) -> IndexSummary:
    started = time.perf_counter()
    if processes is None:
        processes = REBUILD_PROCESSES if store.count_trials() >= MULTIPROCESS_MINIMUM else 1
    # read first: a version stored while we read the trials is then re-indexed by the next update
    version_id = store.max_version_id()
    generation = location.new_generation()
    try:
        count = _write(generation, _readable_trials(store), create=True, processes=processes)
        write_state(generation, IndexState(store_version_id=version_id, schema_version=SCHEMA_VERSION))
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    location.publish(generation)
    return IndexSummary("rebuilt", count, version_id, time.perf_counter() - started)


def _update(store: Store, generation: Path, state: IndexState) -> IndexSummary:
    started = time.perf_counter()
    # read first, as in _rebuild; `changed` may then hold a trial stored since: indexed now and again next time
    version_id = store.max_version_id()
    changed, _ = store.trials_changed_after(state.store_version_id)
    if not changed:
        return IndexSummary("unchanged", 0, state.store_version_id, time.perf_counter() - started)
    count = _write(generation, _readable_trials(store, changed), create=False, processes=1)
    write_state(generation, IndexState(store_version_id=version_id, schema_version=SCHEMA_VERSION))
    return IndexSummary("updated", count, version_id, time.perf_counter() - started)


def _readable_trials(store: Store, nct_ids: Iterable[str] | None = None) -> Iterator[Trial]:
    """The current view of every trial (or of the given ones), as `harvester.store.trials.iter_trials` reads it.

    A trial that cannot be read (a stored trial page its parser no longer reads) is left out with a warning rather
    than failing the whole index.
    """
    for versions in store.latest_by_source(nct_ids):
        try:
            yield merged_trial(versions)
        except TrialwatchError as error:
            logger.warning("left %s out of the search index: %s", versions[0].nct_id, error)


def _write(generation: Path, trials: Iterable[Trial], *, create: bool, processes: int) -> int:
    """Add (or replace, by NCT id) one document per trial in the Whoosh index at `generation`; commit once.

    The vocabulary the trials teach (`index.vocabulary`) is saved beside it. Field lengths stay in memory until the
    commit writes the postings (`index.lengths`), and positions postings are made in one pass (`index.postings`).
    """
    try:
        with memory_field_lengths(), fused_positions():
            return _write_documents(generation, trials, create=create, processes=processes)
    except OSError as error:
        raise SearchIndexError(f"cannot write the search index in {generation}: {error}") from error


def writer_memory_mb(processes: int) -> int:
    """Megabytes of postings each of `processes` writer processes holds before spilling (`WRITER_MEMORY_SHARE`)."""
    least, most = WRITER_MEMORY_MB
    try:
        machine = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows): the least
        return least
    return max(least, min(most, int(machine * WRITER_MEMORY_SHARE / processes / 2**20)))


def _write_documents(generation: Path, trials: Iterable[Trial], *, create: bool, processes: int) -> int:
    from whoosh.index import create_in, open_dir

    index = create_in(str(generation), build_schema()) if create else open_dir(str(generation))
    if processes > 1:
        # several processes each write a segment of their own, left unmerged: merging would undo the time saved
        segment_args = {"limitmb": writer_memory_mb(processes), "compound": COMPOUND_SEGMENTS}
        writer = index.writer(procs=processes, multisegment=True, subargs=segment_args, **segment_args)
    else:
        writer = index.writer(limitmb=writer_memory_mb(1), compound=COMPOUND_SEGMENTS)
    count = 0
    vocabulary = VocabularyBuilder() if create else VocabularyBuilder.resumed(generation)
    try:
        for trial in trials:
            vocabulary.add(trial)
            if create:
                writer.add_document(**trial_document(trial))
            else:
                writer.update_document(**trial_document(trial))
            count += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    vocabulary.save(generation)
    return count
