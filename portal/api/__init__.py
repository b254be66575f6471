"""API v1 for member banks' own complaint systems: tokens per system, the lifecycle's
steps through the same operations as the web, an OpenAPI description, webhooks."""
