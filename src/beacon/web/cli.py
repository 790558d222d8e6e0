"""``beacon serve``: run the web app with uvicorn."""

from __future__ import annotations

import typer

APP_FACTORY = "beacon.app:create_app"


def register(app: typer.Typer, import_app: typer.Typer | None = None) -> None:
    """Add this domain's commands to ``beacon``."""

    @app.command()
    def serve(
        host: str | None = typer.Option(
            None, "--host", help="Address to listen on [default: BEACON_HOST or 127.0.0.1]."
        ),
        port: int | None = typer.Option(
            None,
            "--port",
            min=1,
            max=65535,
            help="Port to listen on [default: BEACON_PORT or 8000].",
        ),
        reload: bool = typer.Option(
            False, "--reload/--no-reload", help="Restart when the source changes (development)."
        ),
        workers: int | None = typer.Option(
            None,
            "--workers",
            min=1,
            max=64,
            help="Worker processes [default: BEACON_WEB_WORKERS or 1].",
        ),
    ) -> None:
        """Run Beacon's web app (migrates the database first)."""
        import os

        import uvicorn

        from beacon.config import get_settings
        from beacon.runtime import open_runtime

        settings = get_settings()
        processes = workers or settings.web_workers
        if processes > 1 and not reload:
            # Migrate once here, so the workers do not race each other to do it.
            open_runtime(settings).close()
            os.environ["BEACON_MIGRATE_ON_START"] = "false"
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            reload=reload,
            workers=None if reload else processes,
            # Anonymous residents will reach Beacon: no client addresses in any log, and no
            # trust in X-Forwarded-* headers until trusted proxies are configured.
            access_log=False,
            proxy_headers=False,
            server_header=False,
        )
