"""Static files: where they are, whether the npm-built vendor files exist, cache-busted URLs.

Vendor files (GOV.UK Frontend's CSS, htmx, Swagger UI, Leaflet, Chart.js) are copied from npm
packages by ``scripts/build_assets.py`` into ``static/vendor/`` at build time and are never
committed. When they are missing the pages still render, with Beacon's own stylesheet only, and a
warning is logged once per app.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

logger = logging.getLogger("beacon.web")

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/static"

GOVUK_CSS = "vendor/govuk-frontend.min.css"
HTMX_JS = "vendor/htmx.min.js"
SWAGGER_JS = "vendor/swagger-ui/swagger-ui-bundle.js"
SWAGGER_CSS = "vendor/swagger-ui/swagger-ui.css"
LEAFLET_JS = "vendor/leaflet/leaflet.js"
LEAFLET_CSS = "vendor/leaflet/leaflet.css"
CHART_JS = "vendor/chart.js/chart.umd.min.js"
CYTOSCAPE_JS = "vendor/cytoscape/cytoscape.min.js"
VENDOR_FILES: tuple[str, ...] = (
    GOVUK_CSS,
    HTMX_JS,
    SWAGGER_JS,
    SWAGGER_CSS,
    LEAFLET_JS,
    LEAFLET_CSS,
    CHART_JS,
    CYTOSCAPE_JS,
)

BUILD_HINT = "run `npm ci --ignore-scripts && npm run build` (or `make assets`)"


class StaticAssets:
    """The files under one static directory, with content-hashed URLs for cache busting."""

    def __init__(self, directory: Path = STATIC_DIR, prefix: str = STATIC_PREFIX) -> None:
        self.directory = directory
        self.prefix = prefix.rstrip("/")
        self._digests: dict[str, str | None] = {}
        self._warned = False

    def _digest(self, path: str) -> str | None:
        if path not in self._digests:
            file = self.directory / path
            try:
                self._digests[path] = hashlib.sha256(file.read_bytes()).hexdigest()[:12]
            except OSError:
                self._digests[path] = None
        return self._digests[path]

    def available(self, path: str) -> bool:
        return self._digest(path) is not None

    def url(self, path: str) -> str:
        """``/static/<path>?v=<hash>``; without the query when the file is missing."""
        digest = self._digest(path)
        base = f"{self.prefix}/{path}"
        return f"{base}?v={digest}" if digest else base

    def missing_vendor_files(self) -> list[str]:
        return [path for path in VENDOR_FILES if not self.available(path)]

    def check_vendor(self) -> bool:
        """True when every vendor file is present; otherwise log one warning (only once)."""
        missing = self.missing_vendor_files()
        if missing and not self._warned:
            self._warned = True
            logger.warning(
                "front-end vendor files missing (%s): pages render without them; %s",
                ", ".join(missing),
                BUILD_HINT,
            )
        return not missing
