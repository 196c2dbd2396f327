"""Where a command finds its data and its registry: options, environment, defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from harvester.registry import DEFAULT_API_URL

__all__ = ["API_URL_ENV", "DATA_ENV", "Settings", "default_data_dir"]

DATA_ENV = "TRIALWATCH_DATA"
API_URL_ENV = "TRIALWATCH_API_URL"


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/trialwatch``, falling back to ``~/.local/share/trialwatch``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "trialwatch"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    api_url: str = DEFAULT_API_URL
    min_interval: float = 1.0
