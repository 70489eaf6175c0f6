"""Security headers on every answer, and a web server that does not name itself."""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, request
from werkzeug.serving import WSGIRequestHandler

SWAGGER_UI_ENDPOINT = "api-docs.openapi_swagger_ui"
# Pages (the board, the index, Swagger UI) load scripts, styles and images from this service only; nothing
# may frame them (clickjacking) and forms post back here. An API answer may load nothing at all.
_PAGE_POLICY = ("default-src 'self'; script-src 'self'{scripts}; style-src 'self'; img-src 'self' data:; "
                "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_API_POLICY = "default-src 'none'; frame-ancestors 'none'"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)
_STATIC_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
                   ("X-Frame-Options", "DENY"))
_API_HEADERS = (*_STATIC_HEADERS, ("Content-Security-Policy", _API_POLICY))


def script_hashes(page: bytes) -> str:
    """CSP sources allowing exactly the inline scripts of `page` (Swagger UI starts itself with one)."""
    found = (base64.b64encode(hashlib.sha256(script).digest()).decode() for script in _INLINE_SCRIPT.findall(page))
    return "".join(f" 'sha256-{digest}'" for digest in found)


def header_names(headers) -> set[str]:
    """The names of the headers an answer already carries, lowercased: one pass over them, where asking
    `headers.get` about an absent header costs four times as much (werkzeug raises and catches a KeyError)."""
    return {name.lower() for name, _value in headers}


def install_security_headers(app: Flask) -> None:
    """Content-Security-Policy, nosniff, a same-origin Referrer-Policy and no framing, on every answer."""

    @app.after_request
    def _secure(response: Response) -> Response:
        headers = response.headers
        if "content-security-policy" in header_names(headers):
            return response  # a view that set its own policy chose its other headers too
        # the media type before any parameter, read without parsing them (`response.mimetype` parses)
        if (response.content_type or "").partition(";")[0].strip().lower() != "text/html":
            headers.extend(_API_HEADERS)  # one extend: setdefault per header cost ~7 us a request
            return response
        # flask-smorest's Swagger UI page carries one inline script; it is allowed by its hash, computed
        # from the page itself, so a new template stays working and nothing else runs
        scripts = script_hashes(response.get_data()) if request.endpoint == SWAGGER_UI_ENDPOINT else ""
        headers.extend(_STATIC_HEADERS)
        headers["Content-Security-Policy"] = _PAGE_POLICY.format(scripts=scripts)
        return response


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler without the `Server: Werkzeug/… Python/…` banner."""

    def version_string(self) -> str:
        """What the `Server` header says: the platform, not the software and version under it."""
        return "offcampus"
