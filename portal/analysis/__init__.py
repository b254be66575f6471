"""Art. 8(5): the association's analysis — cluster and surge findings over a period's complaints, typical cases and industry rectification advice (建议) with follow-up."""
