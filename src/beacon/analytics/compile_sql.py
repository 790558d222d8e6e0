"""Write ``compiled_sql.json``: the DuckDB SQL of every expression in ``queries.py``.

Run ``python -m beacon.analytics.compile_sql`` after changing ``queries.py``;
``tests/analytics/test_compiled_sql.py`` fails until the file matches the expressions again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

COMPILED = Path(__file__).with_name("compiled_sql.json")


def compile_all() -> dict[str, str]:
    import ibis

    from beacon.analytics.queries import all_variants

    return {key: ibis.to_sql(expr, dialect="duckdb") for key, expr in all_variants().items()}


def render(compiled: dict[str, str]) -> str:
    import ibis
    import sqlglot

    payload = {
        "generated_by": "python -m beacon.analytics.compile_sql",
        "ibis": ibis.__version__,
        "sqlglot": sqlglot.__version__,
        "queries": dict(sorted(compiled.items())),
    }
    return json.dumps(payload, indent=1, sort_keys=False) + "\n"


def main() -> int:
    COMPILED.write_text(render(compile_all()), encoding="utf-8")
    print(f"wrote {COMPILED}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
