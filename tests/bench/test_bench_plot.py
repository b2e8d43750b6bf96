"""The bench's plot, drawn from fixed results (no timing here)."""

from bench.plot import SERIES, main, plot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def saves(*samples, missed=0):
    return {"samples": list(samples), "missed": missed}


RESULTS = {
    "started": "2026-11-29T22:00:00Z",
    "machine": {"cores": 2, "cpu": "AMD EPYC", "commit": "abc1234"},
    "cluster": {
        "skaffold dev": {
            "poll 100 ms": {**saves(0.5, 0.6, 0.9), "at once": saves(0.7, 1.4, missed=1)},
            "default": saves(1.1, 1.6),
        },
        "tilt up": saves(0.4, 0.5),
        "rebuild": saves(8.8, 9.4),
    },
}


def test_every_series_with_samples_is_drawn_into_a_png(tmp_path):
    out = plot(RESULTS, tmp_path / "saves.png")
    assert out.read_bytes().startswith(PNG_SIGNATURE)
    # Each series reads the same results the bench writes.
    assert ("skaffold dev", "poll 100 ms") in [path for _, path in SERIES]


def test_a_run_without_cluster_figures_draws_nothing(tmp_path, capsys):
    assert plot({"cluster": {"skipped": "no cluster"}}, tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()
    source = tmp_path / "results.json"
    source.write_text('{"cluster": {"skipped": "no cluster"}}')
    assert main([str(source)]) == 1
    assert "no cluster figures" in capsys.readouterr().err
