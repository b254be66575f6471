"""Accountability for members (Art. 12): triggers, the ladder, seasons."""
