"""The one place the web layer reads the time; rules receive ``now`` as an argument.

Tests and demos freeze it with the ``FROZEN_NOW`` setting (an aware datetime).
"""

from datetime import UTC, datetime

from flask import current_app


def now() -> datetime:
    frozen = current_app.config.get("FROZEN_NOW")
    if frozen is not None:
        return frozen
    return datetime.now(UTC)
