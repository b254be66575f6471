"""What the clock domain tells the domains above it, which it does not import.

A case's earliest open due time is copied onto the case (``Complaint.next_due_at``, the
inboxes' order). The complaints domain keeps that copy (``portal.complaints.next_due``);
a ``ClockBatch`` tells it whenever a case's open clocks change. Receivers are connected
in ``portal.register_subscribers``.
"""

from blinker import Namespace

_signals = Namespace()

case_due_moved = _signals.signal(
    "case-due-moved",
    doc="""A case's open clocks changed inside a batch. Sent with ``case_id`` and
    ``due_at`` (the earliest due time among its open clocks, None when none runs).
    A receiver returns True when it wrote the value into the step's own pending change
    of the case; otherwise the batch sends ``cases_due_stale`` for it when it ends.""",
)

cases_due_stale = _signals.signal(
    "cases-due-stale",
    doc="""The batch has ended and written its clocks; these cases' next due time must be
    read again from their open clocks. Sent with ``case_ids`` (sorted).""",
)
