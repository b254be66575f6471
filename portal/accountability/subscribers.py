"""Art. 12(1) at once: the steps that can newly make a trigger hold run detection over
their case's member, not only the next sweep over the province (``detect``)."""

from datetime import datetime

from portal.accountability.detect import detect
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
        detect(now, member_id=case.member_id)


@step_taken.connect
def on_step(case: Complaint, *, action: str, now: datetime) -> None:
    if action in DETECTING_STEPS:
        detect(now, member_id=case.member_id)
