"""Art. 9(3): members' contingency plans (预案) for foreseeable complaints, and which plan covers a complaint or a cluster."""
