"""trialwatch: the command line that wires harvester, store, index and search together."""

__version__ = "0.1.0"
