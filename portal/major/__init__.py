"""Major complaints (重大投诉): criteria as rules, proposals found automatically and confirmed by a person, alerts to the leaders."""
