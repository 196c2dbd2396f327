"""trialwatch: the command line that wires harvester, store, index and search together."""

__all__ = ["__version__"]

__version__ = "0.1.0"
