"""Helpers shared by the test layers, the benchmarks and the end-to-end check."""
