"""What user administration tells the domains above it, which it does not import."""

from blinker import Namespace

_signals = Namespace()

user_changed = _signals.signal(
    "user-changed",
    doc="""A user's details or account state changed (sender: the user; ``changes``, the
    audit diff ``{field: [before, after]}``; ``actor``; ``now``). Sent before the change
    is flushed; a receiver's writes join the same transaction.""",
)

unknown_user_refused = _signals.signal(
    "unknown-user-refused",
    doc="""A sign-in with a username that does not exist was refused (sender: None;
    ``changes``, what the audit log keeps: the name typed, the reason, the client's
    address and browser; ``now``). The unit tree, above auth, records it under the
    association.""",
)
