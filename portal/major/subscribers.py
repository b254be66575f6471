"""Major complaints proposed at once: an intake, or a step that may give a case a sign
of being major, looks at that case (``detect.propose_for``: its chain and its outlet
group only). A case flagged 重大 by hand alerts the leaders like a confirmed one."""

from datetime import datetime

from portal.complaints.models import Complaint
from portal.complaints.signals import complaint_registered, step_taken
from portal.major import operations
from portal.major.detect import propose_for

# A flag (舆情), a corrected outlet or category (a new group), a return visit (a dissatisfied
# customer reopens the matter as a repeat of this case).
PROPOSING_STEPS = frozenset({"flags", "correct", "return_visit"})


@complaint_registered.connect
def on_intake(case: Complaint, *, now: datetime) -> None:
    if case.is_major:  # ticked at intake: a person's decision already
        operations.settle_by_flag(case, now=now)
    else:
        propose_for([case.id], now)


@step_taken.connect
def on_step(case: Complaint, *, action: str, now: datetime) -> None:
    if action not in PROPOSING_STEPS:
        return
    if action == "flags" and case.is_major:
        operations.settle_by_flag(case, now=now)
    else:
        propose_for([case.id], now)
