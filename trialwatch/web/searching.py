"""The search form -> the search library -> what the results page shows."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from trialwatch.web.forms import ANY_STATUS, PAGE_SIZE, SearchForm

if TYPE_CHECKING:
    from search.models import NearestTrial, SearchRequest
    from search.views.result import ResultView

__all__ = ["SearchPage", "form_of", "run_search", "search_request", "suggestion_text"]


@dataclass(frozen=True)
class SearchPage:
    hits: list[ResultView]
    #: matching trials in all, when known
    total: int | None
    page: int = 1
    page_size: int = PAGE_SIZE
    #: a corrected query the user may want, as a form
    suggestion: SearchForm | None = None
    suggestion_text: str | None = None
    #: True when the search as typed found nothing and `hits` are those of `suggestion`
    corrected: bool = False
    #: what was read out of the words ("lupus", "in France"), and the words no trial mentions
    understood: tuple[str, ...] = ()
    #: what the registry's records say words of the query mean, searched too: ("SLE", "systemic lupus ...")
    meanings: tuple[tuple[str, str], ...] = ()
    unmatched: tuple[str, ...] = ()
    #: the trial the words named, when they are nothing but its NCT id: the page to go to
    named_trial: str | None = None
    #: the kind of run ("harvest", "refresh") storing trials that the index does not have yet: it catches up after
    catching_up: str | None = None
    #: in a near-me search: the place as understood, how far, and the closest trial beyond that when none is within
    near: str | None = None
    within: str | None = None
    closest_outside: NearestTrial | None = None
    #: the place the trial pages measure from (`?near=`): the one searched near, typed or read from the words
    near_place: str | None = None
    #: only sites open to enrolment counted (a search of open trials)
    open_sites_only: bool = False

    @property
    def first(self) -> int:
        return (self.page - 1) * self.page_size + 1

    @property
    def has_next(self) -> bool:
        return self.total is not None and self.page * self.page_size < self.total


_ONLY_AN_ID = re.compile(r"\s*(?:nct[\s-]?)?\d{8}\s*", re.IGNORECASE)


def search_request(form: SearchForm, limit: int) -> SearchRequest:
    """The search library's request for a form."""
    from search.models import SearchRequest

    return SearchRequest(
        query=form.q,
        drug=form.drug or None,
        condition=form.condition or None,
        statuses=(form.status,) if form.status != ANY_STATUS else (),
        country=form.country or None,
        age=form.age_years,
        sex=form.sex or None,  # type: ignore[arg-type]
        limit=limit,
        literal=form.literal,
        near=form.near or None,
        within=form.within or None,
        sort=form.sort,  # type: ignore[arg-type]  # checked by the form
    )


def form_of(request: SearchRequest, like: SearchForm) -> SearchForm:
    """The form for a (corrected) search request; what the request does not say is kept from `like`."""
    return replace(like, q=request.query, drug=request.drug or "", condition=request.condition or "",
                   country=request.country or "", page=1)


def run_search(data_dir: Path, form: SearchForm) -> SearchPage:
    """One page of results for a form. Raises `QuerySyntaxError`, `SearchIndexError`."""
    from search.engine import search
    from search.views.result import result_view

    offset = (form.page - 1) * PAGE_SIZE
    response = search(data_dir, search_request(form, limit=offset + PAGE_SIZE))
    hits = [result_view(result, response.request) for result in response.results[offset:]]
    suggested = form_of(response.suggestion.request, form) if response.suggestion else None
    return SearchPage(
        hits=hits,
        total=response.total,
        page=form.page,
        suggestion=suggested,
        suggestion_text=suggestion_text(form, suggested, response.suggestion.text) if response.suggestion else None,
        corrected=response.corrected,
        understood=response.understood,
        meanings=response.meanings[:3],
        unmatched=response.unmatched,
        named_trial=hits[0].nct_id if len(hits) == 1 and _ONLY_AN_ID.fullmatch(form.q) else None,
        near=response.near,
        within=response.within,
        closest_outside=response.closest_outside,
        near_place=response.request.near,
        open_sites_only=response.request.open_only,
        catching_up=_storing_run(data_dir),
    )


def _storing_run(data_dir: Path) -> str | None:
    from harvester.store.store import Store
    from index.status import storing_run

    with Store.open(data_dir) as store:
        return storing_run(store, data_dir)


def suggestion_text(form: SearchForm, suggested: SearchForm | None, fallback: str) -> str:
    """The corrected fields as the form labels them, e.g. ``Drug: carboplatin``."""
    if suggested is None:
        return fallback
    before = dict(form.summary())
    changed = [f"{label}: {value}" for label, value in suggested.summary() if before.get(label) != value]
    return "; ".join(changed) or fallback
