"""``python -m beacon``: the same as the ``beacon`` command."""

from beacon.cli import app

app(prog_name="beacon")
