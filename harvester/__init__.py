"""Fetch ClinicalTrials.gov records and trial pages, parse them into models, keep every version."""
