"""The semiannual bulletin (Art. 8(4), 8(5)): drafts, the PDF, publishing, downloads,
and the background jobs that render it."""
