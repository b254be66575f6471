"""Art. 12(1) at once: the steps that can newly make a trigger hold look at their case
(``detect_changed``), not only the next sweep (which looks at it again from the queue,
``accountability.queue``: idempotent, and it also sees what a script changed)."""

from datetime import datetime

from portal.accountability import queue  # noqa: F401  (changes → the detection queue)
from portal.accountability.detect import detect_changed
from portal.complaints.models import Complaint
from portal.complaints.signals import complaint_registered, step_taken

# A substantiated finding, a rectification completed or not, a report sent back for
# re-verification, a corrected outlet or category: Art. 12(1)3 may newly hold (or stop
# holding); a flag set: Art. 12(1)4.
DETECTING_STEPS = frozenset({"verify", "rectify_done", "send_back", "correct", "flags"})


@complaint_registered.connect
def on_intake(case: Complaint, *, now: datetime) -> None:
    # Art. 12(1)2, 4: a repeat complaint or a media escalation.
    if case.is_media or case.repeat_of_id:
        detect_changed([case.id], now)


@step_taken.connect
def on_step(case: Complaint, *, action: str, now: datetime) -> None:
    if action in DETECTING_STEPS:
        detect_changed([case.id], now)
