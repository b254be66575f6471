"""What the outbox's sender tells the domains above it, which it does not import."""

from blinker import Namespace

_signals = Namespace()

webhook_due = _signals.signal(
    "webhook-due",
    doc="""The sender is about to POST a webhook (sender: the ``OutboxMessage``; ``now``,
    the attempt's time). A receiver may return headers to send instead of the queued
    ones: ``api.subscribers`` signs the message afresh, so that its timestamp is the
    attempt's (receivers refuse a signature minutes old, and a retry can come hours
    after the message was queued). The outbox itself knows no secret.""",
)
