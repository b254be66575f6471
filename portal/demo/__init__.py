"""Demo data: a realistic Liaoning province that a newcomer can sign into at once."""
