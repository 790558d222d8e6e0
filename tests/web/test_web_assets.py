"""Front-end packages: pinned in package.json, built into static/vendor/ by the build step."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from beacon.web.assets import STATIC_DIR, VENDOR_FILES

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO_ROOT / "node_modules"


def test_packages_are_pinned_exactly() -> None:
    package = json.loads((REPO_ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((REPO_ROOT / "package-lock.json").read_text(encoding="utf-8"))
    deps = package["dependencies"]
    for name, version in deps.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned exactly: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
        assert lock["packages"][""]["dependencies"][name] == version
    assert deps["govuk-frontend"].startswith("5.")
    # htmx 4 is a rewrite with different defaults: Beacon is on 2.0.x.
    assert deps["htmx.org"].startswith("2.0.")


def test_vendor_folder_is_not_committed() -> None:
    ignored = (REPO_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/src/beacon/web/static/vendor/" in ignored
    assert "/node_modules/" in ignored


def test_build_step_produces_the_vendor_files(tmp_path: Path) -> None:
    if not (NODE_MODULES / "govuk-frontend").is_dir():
        message = "node_modules/ missing: run `npm ci --ignore-scripts` first"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    dest = tmp_path / "vendor"
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "build_assets.py"), "--dest", str(dest)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for path in VENDOR_FILES:
        file = dest / path.removeprefix("vendor/")
        assert file.is_file() and file.stat().st_size > 1000, path
    css = (dest / "govuk-frontend.min.css").read_text(encoding="utf-8")
    assert ".govuk-table" in css
    # GDS Transport is for GOV.UK services only: no @font-face, no font files.
    assert "@font-face" not in css and "/assets/fonts/" not in css
    assert not list(dest.rglob("*.woff*"))
    htmx = (dest / "htmx.min.js").read_text(encoding="utf-8")
    assert re.search(r'version:"2\.0\.\d+"', htmx)
    manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["packages"]["htmx.org"].startswith("2.0.")
    # Chart.js's UMD build (the workspace charts) sets window.Chart; its licence ships beside
    # it, with that of the colour library it bundles.
    chart = (dest / "chart.js" / "chart.umd.min.js").read_text(encoding="utf-8")
    assert chart.startswith("/*!\n * Chart.js v4.") and "window.Chart" in chart
    assert manifest["packages"]["chart.js"].startswith("4.")
    # Cytoscape draws the triage network view; it is listed with its exact version.
    cytoscape = (dest / "cytoscape" / "cytoscape.min.js").read_text(encoding="utf-8")
    assert "cytoscape" in cytoscape[:2000].lower()
    assert manifest["packages"]["cytoscape"].startswith("3.")
    for licence in (
        "chart.js-LICENSE.md",
        "kurkle-color-LICENSE.md",
        "leaflet-LICENSE",
        "cytoscape-LICENSE",
    ):
        assert (dest / "licences" / licence).is_file(), licence


def test_build_step_fails_clearly_without_node_modules(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "build_assets.py"),
            "--node-modules",
            str(tmp_path / "node_modules"),
            "--dest",
            str(tmp_path / "vendor"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "npm ci" in result.stderr
    assert not (tmp_path / "vendor").exists()


def test_static_dir_has_beacons_own_files() -> None:
    for name in ("beacon.css", "favicon.svg", "api-docs.js", "api-docs.css", "workspace.js"):
        assert (STATIC_DIR / name).is_file(), name
    css = (STATIC_DIR / "beacon.css").read_text(encoding="utf-8")
    assert "--beacon-font: system-ui" in css
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    assert "GDS Transport" not in rules and "@font-face" not in rules
