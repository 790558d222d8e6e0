"""Demo data a fresh machine can get: real public data shipped inside PyPI packages."""
