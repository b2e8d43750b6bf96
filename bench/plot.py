"""The figure that matters most, as a picture: a save until every pod serves it, per tool.

Every save of the cluster figures (7 and 8) is a dot, with a box for its spread, beside the
same save delivered by a rebuild and rollout (figure 9) for scale, on a log scale with a
line at 1 s. `make bench` draws it from the run's own results; to draw it again from
recorded results:

    .venv/bin/python -m bench.plot bench-results/bench-<time>.json [out.png]
"""

import json
import random
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display is needed, or wanted, on a CI machine

from matplotlib import pyplot  # noqa: E402  (after the backend is chosen)

# (label, path into the cluster results), left to right: the loop as `make dev` runs it first.
SERIES = (
    ("make dev\n(skaffold dev,\nwatch interval 100 ms)", ("skaffold dev", "poll 100 ms")),
    ("skaffold dev\n(its default:\nwatch interval 1 s)", ("skaffold dev", "default")),
    ("skaffold dev\n--trigger=notify\n(the default, named)", ("skaffold dev", "notify")),
    ("make tilt\n(tilt up,\nlive_update)", ("tilt up",)),
    ("rebuild and rollout\n(skaffold run)", ("rebuild",)),
)
SPACED, AT_ONCE = "#1f77b4", "#ff7f0e"


def found(results, path):
    """The result at path in the cluster results, or None where the run has none."""
    for key in path:
        results = results.get(key) if isinstance(results, dict) else None
    return results


def plot(results, out):
    """Draw the save-to-every-pod figure from a run's results into out (PNG); return out,
    or None when the run has no cluster figures with samples."""
    cluster = results.get("cluster") or {}
    drawn = [(label, found(cluster, path)) for label, path in SERIES]
    drawn = [(label, result) for label, result in drawn if result and result.get("samples")]
    if not drawn:
        return None
    jitter = random.Random(0)  # the same picture from the same results
    figure, axes = pyplot.subplots(figsize=(10, 5.5), dpi=120)
    for position, (label, result) in enumerate(drawn, 1):
        groups = [(result["samples"], SPACED, "saves 1.5 s apart")]
        if (result.get("at once") or {}).get("samples"):
            groups.append((result["at once"]["samples"], AT_ONCE, "saves at once"))
        everything = [sample for samples, _, _ in groups for sample in samples]
        axes.boxplot([everything], positions=[position], widths=0.5, showfliers=False,
                     medianprops={"color": "black"})
        for samples, color, name in groups:
            xs = [position + jitter.uniform(-0.18, 0.18) for _ in samples]
            axes.scatter(xs, samples, s=14, alpha=0.7, color=color, label=name, zorder=3)
        missed = result.get("missed", 0) + (result.get("at once") or {}).get("missed", 0)
        if missed:
            axes.annotate(f"{missed} missed", (position, 0.28), ha="center", color="crimson", fontsize=8)
    axes.axhline(1.0, color="crimson", linestyle="--", linewidth=1)
    axes.text(len(drawn) + 0.45, 1.0, "1 s", color="crimson", va="bottom", ha="right")
    axes.set_yscale("log")
    axes.set_ylim(0.25, None)
    axes.set_xticks(range(1, len(drawn) + 1), [label for label, _ in drawn], fontsize=8)
    axes.set_ylabel("seconds from the save until all 3 pods serve it (log scale)")
    machine = results.get("machine", {})
    axes.set_title(f"A save until every pod serves it: {results.get('started', '')[:10]}, "
                   f"{machine.get('cores', '?')} cores, {machine.get('cpu', '?')}, commit {machine.get('commit', '?')}",
                   fontsize=9)
    # One legend entry per kind of dot, however many series drew it.
    handles, labels = axes.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    axes.legend(unique.values(), unique.keys(), loc="upper left", fontsize=8)
    figure.tight_layout()
    figure.savefig(out)
    pyplot.close(figure)
    return out


def main(argv):
    if not argv or len(argv) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    source = Path(argv[0])
    out = Path(argv[1]) if len(argv) > 1 else source.with_suffix(".png")
    if plot(json.loads(source.read_text()), out) is None:
        print(f"bench.plot: {source} has no cluster figures with every save recorded", file=sys.stderr)
        return 1
    print(f"plot: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
