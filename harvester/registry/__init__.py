"""The ClinicalTrials.gov API v2: polite HTTP, the API client, the record and criteria parsers, the harvest."""
