"""Record-level access: the one decision function every route, export and search uses."""

from beacon.access.policy import (
    Action,
    Decision,
    FieldGroup,
    Principal,
    Protected,
    decide,
    filter_visible,
)

__all__ = [
    "Action",
    "Decision",
    "FieldGroup",
    "Principal",
    "Protected",
    "decide",
    "filter_visible",
]
