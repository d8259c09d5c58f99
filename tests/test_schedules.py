import numpy as np
import pytest
from dwave.system import DWaveSampler
from dwave.system.testing import MockDWaveSampler

import qnn_lab as ql
from qnn_lab.samplers.schedules import PRESETS, AnnealSchedule, EnergyScales, beta_schedule_from


@pytest.fixture(scope="module")
def mock():
    return MockDWaveSampler()


@pytest.mark.parametrize("name", [p for p in PRESETS])
def test_presets_pass_dwave_systems_own_validator(mock, name):
    schedule = AnnealSchedule.preset(name)
    schedule.validate(mock.properties, initial_state=True)
    DWaveSampler.validate_anneal_schedule(mock, schedule.to_list())      # raises if dwave-system disagrees


@pytest.mark.parametrize("points, rule", [
    ([(0, 0), (10, 0.7), (5, 1)], "times should increase"),
    ([(0, 0), (10, 0.7), (20, 0.9)], "should end at s = 1"),
    ([(0, 0.3), (10, 1)], "should start at s = 0 (forward) or s = 1 (reverse)"),
    ([(0, 0), (10, 0.6), (15, 0.4), (20, 1)], "never decrease in a forward anneal"),
    ([(0, 0), (0.1, 1)], "slope |ds/dt| should be at most 2"),
    ([(0, 0), (2500, 1)], "at most 2000 us"),
    ([(0, 0)] + [(k, k / 13) for k in range(1, 13)] + [(13, 1)], "at most 12 points"),
])
def test_invalid_schedules_name_the_rule_they_break_and_dwave_agrees(mock, points, rule):
    with pytest.raises(ValueError, match=rule.replace("(", r"\(").replace(")", r"\)").replace("|", r"\|")):
        AnnealSchedule(points).validate(mock.properties)
    with pytest.raises(ValueError):
        DWaveSampler.validate_anneal_schedule(mock, [list(p) for p in points])


@pytest.mark.parametrize("points, words", [
    ("0,0;10,1", "should be a list of (t_us, s) points"),
    ([(0, 0)], "at least 2 points"),
    ([(0, 0), (10, float("nan"))], "pair of finite numbers"),
    ([(1, 0), (10, 1)], "should start at t = 0"),
    ([(0, 0), (10, 1.5), (20, 1)], "should lie in [0, 1]"),
])
def test_malformed_schedules_are_refused(points, words):
    with pytest.raises((TypeError, ValueError)) as info:
        AnnealSchedule(points)
    assert words in str(info.value)


def test_reverse_anneal_needs_an_initial_state():
    with pytest.raises(ValueError, match="needs an initial state"):
        AnnealSchedule.preset("reverse").validate(initial_state=False)
    with pytest.raises(ValueError, match="reverse anneal needs an initial state"):
        ql.get_sampler("sa", anneal_schedule=AnnealSchedule.preset("reverse").to_list())


def test_beta_schedule_follows_the_problem_scale():
    betas = beta_schedule_from(AnnealSchedule.preset("pause"), 31, beta_max=10.0)
    assert betas[0] == 0 and betas[-1] == pytest.approx(10.0)
    assert np.all(np.diff(betas) >= -1e-12)
    s_pause = AnnealSchedule.preset("pause").s_at(np.linspace(0, 30, 31))
    held = np.isclose(s_pause, 0.45)
    assert held.sum() >= 9 and np.ptp(betas[held]) == pytest.approx(0.0)
    assert beta_schedule_from(AnnealSchedule.preset("standard"), 1, beta_max=10.0).tolist() == [10.0]  # s = 1


def test_default_energy_scales_and_csv_tables(tmp_path):
    scales = EnergyScales()
    s = np.linspace(0, 1, 11)
    assert np.all(np.diff(scales.A(s)) < 0) and np.all(np.diff(scales.B(s)) > 0)
    assert 0.2 < s[np.argmin(np.abs(scales.A(s) - scales.B(s)))] < 0.4
    path = tmp_path / "schedule.csv"
    path.write_text("s,A(s) (GHz),B(s) (GHz),C (normalized)\n0,5,0.1,0\n0.5,1,3,0.5\n1,0,6,1\n")
    table = EnergyScales.from_csv(path)
    assert table.A(0.25) == pytest.approx(3.0) and table.B(1.0) == 6.0
    with pytest.raises(ValueError, match="CSV schedule table"):
        EnergyScales.from_csv(tmp_path / "missing.csv")


@pytest.mark.parametrize("name", ["sa", "layered"])
@pytest.mark.parametrize("preset", ["standard", "pause", "quench"])
def test_samplers_follow_a_schedule_to_the_ground_state(name, preset, small_net):
    enc = ql.encode_neurons(small_net, np.array([[0.3, -1.0, 0.5]]))
    exact = ql.get_sampler("exact").sample(enc.bqm).first.energy
    ss = ql.get_sampler(name, num_reads=20, num_sweeps=300, seed=0,
                        anneal_schedule=AnnealSchedule.preset(preset)).sample(enc.bqm)
    assert ss.first.energy == pytest.approx(exact)
