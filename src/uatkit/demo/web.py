"""The WSGI application: routes /api to JSON handlers, everything else to HTML pages; /health and
/api/version answer without a session."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from uatkit.demo import __build__, __version__
from uatkit.demo.api import Api
from uatkit.demo.domain import Shop
from uatkit.demo.model import DomainError
from uatkit.demo.pages import Pages
from uatkit.demo.wsgi import Request, Response, Router, json_response

log = logging.getLogger("uatkit.demo.web")


class App:
    """The demo as a WSGI application over one shop."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.api_router = Router()
        self.page_router = Router()
        self.api_router.add("GET", "/health", self.health)
        self.api_router.add("GET", "/api/version", self.version)
        Api(shop).register(self.api_router)
        self.pages = Pages(shop)
        self.pages.register(self.page_router)

    def __call__(self, environ: Mapping[str, Any], start_response: Callable[..., object]) -> Iterable[bytes]:
        """Answer one request."""
        path = str(environ.get("PATH_INFO", "/"))
        is_api = path == "/health" or path == "/api" or path.startswith("/api/")
        try:
            request = Request.from_environ(environ)
            response = self._dispatch(request, is_api)
        except DomainError as error:
            response = self._error(error.status, error.message, is_api)
        except Exception:
            # the traceback goes to the log; the client only learns that something failed
            log.exception("unexpected error in %s %s", environ.get("REQUEST_METHOD"), path)
            response = self._error(500, "internal error", is_api)
        return response.wsgi(start_response)

    def health(self, request: Request) -> Response:
        """GET /health: the server is up."""
        return json_response({"status": "ok", "version": __version__})

    def version(self, request: Request) -> Response:
        """GET /api/version: the version and build this system runs, for test runs to record."""
        return json_response({"name": "uatkit demo", "version": __version__, "build": __build__})

    def _dispatch(self, request: Request, is_api: bool) -> Response:
        router = self.api_router if is_api else self.page_router
        found = router.match(request.method, request.path)
        if isinstance(found, int):
            message = "not found" if found == 404 else "method not allowed"
            return self._error(found, message, is_api)
        handler, request.params = found
        return handler(request)

    def _error(self, status: int, message: str, is_api: bool) -> Response:
        if is_api:
            response = json_response({"error": message}, status)
            if status == 401:
                response.headers.append(("WWW-Authenticate", 'Bearer realm="demo"'))
            return response
        return self.pages.render("error.html", status, session=None, error=message)


def make_app(shop: Shop) -> App:
    """Return the WSGI application of a shop."""
    return App(shop)
