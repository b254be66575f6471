"""What user administration tells the domains above it, which it does not import."""

from blinker import Namespace

_signals = Namespace()

user_changed = _signals.signal(
    "user-changed",
    doc="""A user's details or account state changed (sender: the user; ``changes``, the
    audit diff ``{field: [before, after]}``; ``actor``; ``now``). Sent before the change
    is flushed; a receiver's writes join the same transaction.""",
)
