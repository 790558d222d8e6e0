#!/usr/bin/env python3
"""Copy the front-end files Beacon serves from ``node_modules`` into ``web/static/vendor/``.

Run after ``npm ci --ignore-scripts`` (``npm run build`` runs this script). Only the Python
standard library is used: no bundler. The vendor folder is generated, never committed.

GOV.UK Frontend's stylesheet declares the GDS Transport font with ``@font-face`` rules. That
typeface is for GOV.UK services only and Beacon is not one, so the rules are removed here and the
font files are never copied; ``beacon.css`` sets a system font stack instead. No GOV.UK images
(crown, crest, favicons) are copied either.

Usage: python3 scripts/build_assets.py [--node-modules DIR] [--dest DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NODE_MODULES = REPO_ROOT / "node_modules"
DEFAULT_DEST = REPO_ROOT / "src" / "beacon" / "web" / "static" / "vendor"

# (npm package, file inside the package, file name under vendor/)
FILES: tuple[tuple[str, str, str], ...] = (
    ("govuk-frontend", "dist/govuk/govuk-frontend.min.css", "govuk-frontend.min.css"),
    ("htmx.org", "dist/htmx.min.js", "htmx.min.js"),
    ("swagger-ui-dist", "swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"),
    ("swagger-ui-dist", "swagger-ui.css", "swagger-ui/swagger-ui.css"),
    ("leaflet", "dist/leaflet.js", "leaflet/leaflet.js"),
    ("leaflet", "dist/leaflet.css", "leaflet/leaflet.css"),
    ("leaflet", "dist/images/marker-icon.png", "leaflet/images/marker-icon.png"),
    ("leaflet", "dist/images/marker-icon-2x.png", "leaflet/images/marker-icon-2x.png"),
    ("leaflet", "dist/images/marker-shadow.png", "leaflet/images/marker-shadow.png"),
    # The UMD build bundles its one dependency (@kurkle/color) and sets window.Chart.
    ("chart.js", "dist/chart.umd.min.js", "chart.js/chart.umd.min.js"),
    # The UMD build has no dependencies and sets window.cytoscape (the network view).
    ("cytoscape", "dist/cytoscape.min.js", "cytoscape/cytoscape.min.js"),
)
# Licence texts shipped beside the copied files.
LICENCES: tuple[tuple[str, str], ...] = (
    ("htmx.org", "LICENSE"),
    ("swagger-ui-dist", "LICENSE"),
    ("swagger-ui-dist", "NOTICE"),
    ("leaflet", "LICENSE"),
    ("chart.js", "LICENSE.md"),
    ("@kurkle/color", "LICENSE.md"),
    ("cytoscape", "LICENSE"),
)

_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
_SOURCE_MAP = re.compile(r"/\*# sourceMappingURL=[^*]*\*/\s*$")


def strip_govuk_fonts(css: str) -> str:
    """Drop the ``@font-face`` rules (GDS Transport) and the source-map comment."""
    css = _FONT_FACE.sub("", css)
    return _SOURCE_MAP.sub("", css)


def _version(node_modules: Path, package: str) -> str:
    manifest = json.loads((node_modules / package / "package.json").read_text(encoding="utf-8"))
    return str(manifest["version"])


def build(node_modules: Path = DEFAULT_NODE_MODULES, dest: Path = DEFAULT_DEST) -> list[Path]:
    """Copy every vendor file into ``dest`` (replacing what was there); return the files."""
    missing = [pkg for pkg, _, _ in FILES if not (node_modules / pkg / "package.json").is_file()]
    if missing:
        raise SystemExit(
            f"build_assets: {', '.join(sorted(set(missing)))} not found in {node_modules}; "
            "run `npm ci --ignore-scripts` first"
        )
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    written: list[Path] = []
    for package, source, target in FILES:
        src = node_modules / package / source
        out = dest / target
        out.parent.mkdir(parents=True, exist_ok=True)
        if package == "govuk-frontend" and source.endswith(".css"):
            out.write_text(strip_govuk_fonts(src.read_text(encoding="utf-8")), encoding="utf-8")
        else:
            shutil.copyfile(src, out)
        written.append(out)
    for package, name in LICENCES:
        src = node_modules / package / name
        if src.is_file():
            # "@kurkle/color" -> "kurkle-color": one flat folder of licence files.
            flat = package.lstrip("@").replace("/", "-")
            out = dest / "licences" / f"{flat}-{name}"
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, out)
            written.append(out)
    versions = {package: _version(node_modules, package) for package, _, _ in FILES}
    manifest = dest / "manifest.json"
    manifest.write_text(
        json.dumps(
            {"packages": versions, "files": sorted(target for _, _, target in FILES)},
            indent=2,
            sort_keys=True,
        )
        + "\n",
        encoding="utf-8",
    )
    written.append(manifest)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node-modules", type=Path, default=DEFAULT_NODE_MODULES)
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    args = parser.parse_args(argv)
    written = build(args.node_modules, args.dest)
    for path in written:
        print(f"  {path}")
    print(f"build_assets: {len(written)} files in {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
