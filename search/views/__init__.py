"""View models: what the CLI and the web show of a stored trial, a search result and a change, in words.

Both front ends render these and nothing else, so they say the same thing in the same words: the terminal wraps
them (`trialwatch.render`), the web templates escape and lay them out. No HTML and no terminal codes here.

- `search.views.words`: status, age, sex and phase words shared by all views.
- `search.views.trial`: `TrialView`, one stored trial (with its status timeline).
- `search.views.result`: `ResultView`, one search result.
- `search.views.change`: `ChangeView`, one change event.
- `search.views.sources`: `TrialSources`, a trial's stored versions and findings (`show --sources`).
"""
