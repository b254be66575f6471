"""The working-day calendar (工作日): statutory holidays, make-up working days, due dates."""
