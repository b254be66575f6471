"""The complaint lifecycle: intake at the association (Art. 8), forwarding down to the
member bank and its outlet, verification and result report (Art. 9, 11), the outlet's
reply to the customer (Art. 10, 11(3)), review and return visit."""
