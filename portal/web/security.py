"""Security headers. The CSP allows no inline script or style: htmx is configured
through a <meta> tag and its indicator styles come from our stylesheet."""

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
    return response
