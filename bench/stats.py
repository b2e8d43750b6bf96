"""Summaries of repeated measurements: median, p95, min and max."""

import statistics


def summary(samples):
    """{n, median, p95, min, max} of a list of numbers."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(ordered), "median": statistics.median(ordered), "p95": p95,
            "min": ordered[0], "max": ordered[-1]}


def seconds(stats):
    """A summary of seconds as one line: median / p95 / min–max."""
    return (f"median {stats['median']:.3f} s  p95 {stats['p95']:.3f} s  "
            f"min–max {stats['min']:.3f}–{stats['max']:.3f} s  (n={stats['n']})")
