"""Reconstructed trial pages for tests (tests/fixtures/pages, see its README), and pages DERIVED from them."""

from __future__ import annotations

from pathlib import Path

PAGES = Path(__file__).parent / "fixtures" / "pages"
SEED_ID = "NCT06965244"
SEED_URL = f"https://clinconnect.io/trials/{SEED_ID}"


def reconstructed(name: str = "NCT06965244.reconstructed.html") -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def derived_page(nct_id: str = SEED_ID, *, status: str | None = None, patients_applied: int | None = None,
                 current_as_of: str | None = None) -> str:
    """The main reconstruction with these fields changed (DERIVED; nothing else differs).

    `nct_id` replaces NCT06965244 wherever the page names it (the rest of the page still describes the lupus
    trial); `status` replaces "Not yet recruiting"; `current_as_of` replaces "July 01, 2025".
    """
    page = reconstructed().replace(SEED_ID, nct_id)
    if status is not None:
        page = page.replace(">Not yet recruiting<", f">{status}<")
    if patients_applied is not None:
        page = page.replace(">0 patients applied<", f">{patients_applied} patients applied<")
    if current_as_of is not None:
        page = page.replace("Current as of July 01, 2025", f"Current as of {current_as_of}")
    return page
