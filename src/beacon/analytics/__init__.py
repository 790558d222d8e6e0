"""Analytics: counts, rates, harm, hotspots, near-repeat, trends, concentration, profiles.

Measures are pure functions (inputs in, frozen results out) over an immutable analysis
snapshot (``snapshot.py``); see docs/ARCHITECTURE.md, "Analytics".
"""
