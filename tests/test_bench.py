"""The benchmark suite keeps working (quick mode; no timing gate)."""
import json

from qnn_lab import cli


def test_quick_benchmark_reports_every_measurement(tmp_path):
    out = tmp_path / "bench.json"
    assert cli.main(["bench", "--quick", "--json", str(out)]) == 0
    r = json.loads(out.read_text())
    assert {"machine", "B1_throughput", "B2_time_to_accuracy", "B3_annealer_share", "B4_encoding",
            "B5_light_kernel", "B6_scaling"} <= set(r)
    for row in r["B1_throughput"]["rows"]:
        assert row["sa_ns_per_update"] > 0 and row["layered_ns_per_update"] > 0
        assert row["gemm_floor_seconds"] > 0 and row["layered_mean_energy"] < 0
    assert r["B4_encoding"]["neurons"]["variables"] == 256 * 160
    assert r["B4_encoding"]["weights"]["bits"] == 1024
    assert 0 < r["B3_annealer_share"]["annealer_share_of_wall_time"] <= 1
    b5 = r["B5_light_kernel"]
    assert b5["peak_rss_mib"] > b5["import_rss_mib"] > 0 and b5["import_seconds"] > 0


def test_bench_only_keeps_the_other_sections_of_the_json(tmp_path):
    out = tmp_path / "bench.json"
    out.write_text(json.dumps({"B1_throughput": {"kept": True}, "B4_encoding": {"old": True}}))
    assert cli.main(["bench", "--quick", "--only", "B4", "--json", str(out)]) == 0
    r = json.loads(out.read_text())
    assert r["B1_throughput"] == {"kept": True} and "old" not in r["B4_encoding"] and "machine" in r


def test_bench_refuses_unknown_names(capsys):
    assert cli.main(["bench", "--only", "B9"]) == 2
    assert "'--only' should list names from B1..B6: value = 'B9'" in capsys.readouterr().err
