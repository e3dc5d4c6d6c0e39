"""Security headers on every response.

The API answers JSON to programs; the only pages a browser renders are the OpenAPI docs, and
the only page calling us from a browser is the Temporal UI (the codec endpoints, via CORS).
So: nothing may frame us, sniff a content type, leak a referrer or cache an answer, and API
responses may load nothing at all. The docs pages keep a CSP without `default-src`, because
Swagger UI and ReDoc load their scripts and styles from a CDN and run inline script.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = "frame-ancestors 'none'"
DOCS_PATHS = ("/docs", "/redoc")
# The admin console (api/console/): its own stylesheet and one small script, nothing inline,
# nothing from elsewhere; forms post only back to it.
CONSOLE_CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    # Answers carry amounts and personal data: no browser or proxy may keep a copy.
    "Cache-Control": "no-store",
}


# Browsers keep to https for a year once they saw us over it. Sent only on answers that went
# out over TLS (here, or at a proxy saying so): over plain http the header means nothing, and
# a spoofed X-Forwarded-Proto can at worst add it to the spoofer's own answer.
HSTS = "max-age=31536000; includeSubDomains"


def over_tls(scope: Scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-proto":
            return value.split(b",")[0].strip().lower() == b"https"
    return False


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        csp = (
            DOCS_CSP
            if path.startswith(DOCS_PATHS)
            else CONSOLE_CSP
            if path == "/admin" or path.startswith("/admin/")
            else API_CSP
        )
        tls = over_tls(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON.items():
                    headers[name] = value
                # A page that set a policy of its own (a stored report) keeps it.
                headers.setdefault("Content-Security-Policy", csp)
                if tls:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_headers)
