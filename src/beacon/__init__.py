"""Beacon: community intelligence and strategic assessment for Community Safety Partnerships."""

__version__ = "0.1.0"
