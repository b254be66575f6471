"""Clocks on a case (Art. 11 limits), the sweep that marks breaches, and reminders."""
