"""What the complaints domain tells the domains above it, which it does not import.

Receivers are connected in ``portal.register_subscribers``; accountability listens to
both (Art. 12(1): a repeat, a media escalation or a finding may open a case at once).
"""

from blinker import Namespace

_signals = Namespace()

complaint_registered = _signals.signal(
    "complaint-registered",
    doc="""A complaint was registered at intake (sender: the case; ``now``).""",
)

step_taken = _signals.signal(
    "step-taken",
    doc="""A user took a step of the lifecycle on the case page (sender: the case;
    ``action``, the name in ``actions.ACTIONS``; ``now``). Sent after the step is
    flushed, before the request commits: a receiver's writes commit or roll back with it.""",
)

case_closed = _signals.signal(
    "case-closed",
    doc="""The association closed the case (Art. 8(3)) by ``operations.close``, wherever
    the step was taken (sender: the case; ``now``). Sent after the closing entry is
    flushed: the archive numbers it and marks its dossier due (``archives.subscribers``).""",
)
