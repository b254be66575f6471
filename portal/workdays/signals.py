"""What the calendar tells the domains above it, which it does not import."""

from blinker import Namespace

_signals = Namespace()

calendar_changed = _signals.signal(
    "calendar-changed",
    doc="""Working days changed (a day edited, a year's notice imported or seeded). Sent
    after the change is flushed, with ``calendar`` (the new WorkingCalendar), ``since``
    (the first day that changed), ``now``, ``actor`` and ``reason``. A receiver returns
    how many deadlines it moved (the calendar's change record keeps the sum).""",
)
