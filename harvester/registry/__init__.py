"""The ClinicalTrials.gov API v2: polite HTTP, the API client, the record and criteria parsers, the harvest."""

__all__ = ["DEFAULT_API_URL"]

#: the registry's API v2 (the client's and the command line's default); here so that reading it imports no HTTP code
DEFAULT_API_URL = "https://clinicaltrials.gov/api/v2"
