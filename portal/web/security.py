"""Security headers. The CSP allows no inline script or style: htmx is configured
through a <meta> tag and its indicator styles come from our stylesheet."""

from flask import current_app

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; media-src 'self' blob:; object-src 'none'; "
    "base-uri 'self'; form-action 'self' tel:; frame-ancestors 'none'"
)


def add_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "geolocation=(), microphone=()")
    if response.mimetype == "text/html":
        # Case pages hold personal data: no copies in shared caches.
        response.headers.setdefault("Cache-Control", "no-store")
    if "attachment" in response.headers.get("Content-Disposition", ""):
        # Exports, PDFs and attachments hold personal data too; send_file's own default
        # ("no-cache") still lets a browser keep a copy on disk.
        response.headers["Cache-Control"] = "private, no-store"
    if current_app.config.get("ENV_NAME") == "production":
        # Behind TLS only: browsers never try the portal over plain HTTP again.
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    return response
