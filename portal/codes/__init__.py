"""JR/T 0169-2018 complaint codes: the three axes (A channel, B business, C cause), their
versioned code list and the crosswalk from the association's own categories."""
