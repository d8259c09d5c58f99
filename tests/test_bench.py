"""The benchmark suite keeps working (quick mode; no timing gate)."""
import json

from qnn_lab import cli


def test_quick_benchmark_reports_every_measurement(tmp_path):
    out = tmp_path / "bench.json"
    assert cli.main(["bench", "--quick", "--json", str(out)]) == 0
    r = json.loads(out.read_text())
    assert {"machine", "B1_throughput", "B2_time_to_accuracy", "B3_annealer_share", "B4_encoding",
            "B5_peak_memory", "B6_scaling"} <= set(r)
    for row in r["B1_throughput"]["rows"]:
        assert row["sa_updates_per_s"] > 0 and row["layered_updates_per_s"] > 0
    assert r["B4_encoding"]["neurons"]["variables"] == 256 * 160
    assert r["B4_encoding"]["weights"]["bits"] == 1024
    assert 0 < r["B3_annealer_share"]["annealer_share_of_wall_time"] <= 1
    assert r["B5_peak_memory"]["peak_rss_mib"] > r["B5_peak_memory"]["import_rss_mib"] > 0


def test_bench_refuses_unknown_names(capsys):
    assert cli.main(["bench", "--only", "B9"]) == 2
    assert "'--only' should list names from B1..B6: value = 'B9'" in capsys.readouterr().err
