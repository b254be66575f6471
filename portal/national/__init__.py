"""A national-scale data set for benchmarks and load tests (``flask demo generate``):
a province of its own, millions of rows written in bulk with the histories and clocks the
real operations write. Not used by the portal at run time; docs/benchmarks.md."""
