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


def tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


def local_today():
    """Today's date in Beijing time: periods, promises and "due today" use it."""
    return now().astimezone(tz()).date()


def from_local(naive: datetime) -> datetime:
    """A time typed into a form (Beijing wall-clock time) as an aware UTC datetime."""
    return naive.replace(tzinfo=tz()).astimezone(UTC)


def to_local_input(moment: datetime) -> str:
    """The value of a datetime-local input for ``moment``."""
    return moment.astimezone(tz()).strftime("%Y-%m-%dT%H:%M")
