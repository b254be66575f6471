"""Telling people things: in-app notifications and e-mail through a database outbox.

Mail is never sent inside a request: operations queue it in the outbox table (in the
same transaction as the change that caused it, so a rolled-back change sends nothing),
and ``flask --app wsgi outbox send`` (or the deadline sweep) drains it. If SMTP is down
the messages stay queued and are retried with back-off.

The same outbox carries webhooks to member banks' systems (``channel`` "webhook", queued
by ``api.webhooks``, which signs them): the sender POSTs each to its URL, and retries,
gives up and sends again exactly as for mail.
"""
