"""Art. 9(4): each member's half-year summary (总结) with its analysis and countermeasures, and the association's follow-up."""
