"""The complainant's side (Art. 4): following one's own case at /track without signing
in, and answering the return visit online through a one-time link."""
