"""HTTP glue only: htmx helpers, errors, security headers, the clock, formatting."""
