"""`uatkit demo serve`: run the bundled demo system under test."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uatkit.cli.common import user_errors
from uatkit.errors import UatkitError

demo_app = typer.Typer(
    name="demo",
    help="The bundled demo system under test (an order-management web application). "
    "Example: uatkit demo serve --port 8000",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    """Add the demo command group to the app."""
    app.add_typer(demo_app)


@demo_app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one.")] = 8000,
    db: Annotated[Path, typer.Option(help='SQLite database file (":memory:" keeps nothing).')] = Path(
        "demo.sqlite3"
    ),
    verbose: Annotated[bool, typer.Option(help="Log one line per request.")] = False,
) -> None:
    """Serve the demo order-management system until Ctrl+C: JSON API under /api, HTML pages, SQLite.

    Users: clara / clara-secret (clerk) and max / max-secret (manager), in every workspace
    (POST /api/workspaces makes one; the login page asks for it).

    Example: uatkit demo serve --port 8000
    """
    with user_errors():
        try:
            from uatkit.demo.server import serve as run
        except ImportError:
            raise UatkitError(
                "the demo system is not installed; install uatkit from its repository"
            ) from None
        try:
            run(host, port, str(db), verbose)
        except OSError as exc:
            raise UatkitError(
                f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port"
            ) from None
