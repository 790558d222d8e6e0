"""Analytics tests read the shared reference database (``tests/reference_data.py``)."""

from reference_data import DERBY, POLICE, shared

__all__ = ["DERBY", "POLICE", "shared"]
