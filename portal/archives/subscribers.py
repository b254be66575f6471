"""Art. 8(6): a case closed by the association gets its archive number, and its dossier
is marked due, in the closing step's own transaction (the rendering waits for the
freeze: ``flask --app wsgi archives freeze`` or the sweep)."""

from datetime import datetime

from portal.archives.operations import number_closed_case
from portal.complaints.models import Complaint
from portal.complaints.signals import case_closed


@case_closed.connect
def on_close(case: Complaint, *, now: datetime) -> None:
    number_closed_case(case, now)
