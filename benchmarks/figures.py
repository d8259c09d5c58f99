"""The README's result figures, drawn by qnn_lab's own code and rendered to PNG in chromium.

    PYTHONPATH=$PWD python benchmarks/figures.py [--out docs]

docs/scaling.png: the committed full scaling study (benchmarks/scaling_full.json, written by
``qnn-lab scaling``) read back with ``ScalingStudy.from_dict`` (refitted: the same seeds and
bootstrap draws give the stored fits) and drawn by ``qnn_lab.widgets.scaling_figure``.

docs/coherent.png: (a) the lowest levels of H(s) for one free-phase model of a 2-6-2 network
(8 spins, the model of notebooks/06) with its minimum gap; (b) median oracle queries of
Duerr-Hoyer minimum finding against classical search on random Ising models, n = 4..16 spins,
200 trials per n, random_state 0 (``query_scaling``; about half a minute on one core).

docs/scaling_digits.png: the same for the digits task (benchmarks/scaling_digits.json).

docs/melting.png: the melting temperature of the trained order per epoch
(``history_[k]["melting_temperature"]``, the lab's Landscape tab draws the same series) on
circles (2-64-2, 2 replicas, batch 4, seeds 0-2) and digits (64-120-10, 4 replicas, batch 32,
seed 0), the trainer's defaults with keep_best off; about a minute on one core.

Plotly draws, chromium (Debian's, driven by Playwright) renders: there is no kaleido here.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright
from plotly.subplots import make_subplots

import qnn_lab as ql
from qnn_lab.quantum import minimum_gap, query_scaling
from qnn_lab.studies.scaling import ScalingStudy
from qnn_lab.widgets.landscape_view import melting_series
from qnn_lab.widgets.scaling_view import scaling_figure

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
WIDTH = 900
MINUS, DUERR_HOYER = "\u2212", "D\u00fcrr\u2013H\u00f8yer"
#: Part (a): the free-phase model of one input through a 2-6-2 network (notebooks/06).
GAP_LAYERS, GAP_INPUT, GAP_SEED, GAP_LEVELS_ABOVE = [2, 6, 2], [[0.6, -0.4]], 3, 4
#: Part (b): sizes n (N = 2**n states), random models per size, seed.
QUERY_SPINS, QUERY_TRIALS, QUERY_SEED = range(4, 17), 200, 0
#: The melting-temperature runs: task -> (dataset arguments, layers, replicas, batch, epochs, seeds).
MELT_RUNS = {"circles": ({"name": "circles"}, [2, 64, 2], 2, 4, 12, (0, 1, 2)),
             "digits": ({"name": "digits"}, [64, 120, 10], 4, 32, 10, (0,))}
COST_TITLES = {"samples_seen": "training samples seen (count)", "epochs": "epochs",
               "train_seconds": "training time (s)", "qpu_seconds": "modelled QPU time (s)"}


def _interval(value, ci):
    return f"{value:.2f} [{ci[0]:.2f}, {ci[1]:.2f}]"


def scaling_png_figure(path):
    """The scaling study figure, titled with its exponents; returns (figure, study)."""
    study = ScalingStudy.from_dict(json.loads(Path(path).read_text()))
    fig = scaling_figure(study, height=520)
    fits = " vs ".join(f"{name} {_interval(f.alpha, f.ci)}" for name, f in study.fits.items())
    ratios = "; ".join(f"{name} = {_interval(r['value'], r['ci'])}" for name, r in study.ratios.items())
    dataset = study.config["dataset"]
    task = (f"teacher perceptron n = {dataset['n_inputs']}" if dataset["name"] == "teacher"
            else f"{dataset['name']}")
    fig.update_layout(
        width=WIDTH, margin={"l": 70, "r": 20, "t": 80, "b": 60},
        title={"text": f"Test error ~ cost<sup>-alpha</sup>: alpha = {fits}<br>"
                       f"<sup>ratio {ratios} ({study.config['confidence']:.0%} CI over "
                       f"{len(study.config['seeds'])} seeds); {task}, "
                       f"network {'-'.join(map(str, study.config['layers']))}</sup>", "x": 0.01},
        xaxis_title=COST_TITLES.get(study.cost, study.cost), yaxis_title="test error (fraction misclassified)",
        legend={"x": 0.01, "y": 0.01, "xanchor": "left", "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.8)"})
    return fig, study


def coherent_png_figure():
    """(a) levels of H(s) above the ground level with the minimum gap; (b) query scaling.

    Returns (figure, gap, queries).
    """
    net = ql.Network(GAP_LAYERS, output_replicas=1, random_state=GAP_SEED)
    bqm = ql.encode_neurons(net, GAP_INPUT).bqm
    gap = minimum_gap(bqm, k_above=GAP_LEVELS_ABOVE)
    queries = query_scaling(QUERY_SPINS, trials=QUERY_TRIALS, random_state=QUERY_SEED)

    fig = make_subplots(cols=2, horizontal_spacing=0.1, subplot_titles=(
        f"(a) {bqm.num_variables} spins: min gap {gap.gap:.2f} GHz at s = {gap.s:.2f}",
        f"(b) exponent ratio classical / quantum = {queries.exponent_ratio:.2f}"))
    for k in range(1, gap.levels.shape[1]):
        is_gap_level = k == gap.degeneracy
        fig.add_scatter(x=gap.s_values, y=gap.levels[:, k] - gap.levels[:, 0], mode="lines", row=1, col=1,
                        line={"color": "#d62728" if is_gap_level else "#7f7f7f", "width": 2.5 if is_gap_level else 1.2},
                        name=f"E{k} - E0", showlegend=False)
    fig.add_scatter(x=[gap.s, gap.s], y=[0, gap.gap], mode="lines+markers", row=1, col=1, showlegend=False,
                    line={"color": "black", "width": 2}, marker={"symbol": "line-ew-open", "size": 10})
    fig.add_annotation(x=gap.s, y=gap.gap, text=f"Δmin = {gap.gap:.2f} GHz", showarrow=True, ax=40, ay=-40,
                       row=1, col=1, bgcolor="white")
    at = np.searchsorted(gap.s_values, 0.8)                                  # label the levels at s = 0.8
    top, g = gap.levels.shape[1] - 1, gap.degeneracy
    fig.add_annotation(x=0.8, y=gap.levels[at, top] - gap.levels[at, 0], text=f"E{g + 1}..E{top} {MINUS} E0",
                       showarrow=False, yanchor="bottom", yshift=6, row=1, col=1, font={"color": "#7f7f7f"})
    fig.add_annotation(x=0.8, y=gap.gaps[at], text=f"E{g} {MINUS} E0 (gap level)", showarrow=False, yanchor="top",
                       yshift=-6, row=1, col=1, font={"color": "#d62728"})

    n = queries.num_spins
    for name, color, q, slope, ci in [
            (f"{DUERR_HOYER} (Grover)", "#9467bd", queries.quantum_queries, queries.quantum_exponent,
             queries.quantum_ci),
            ("classical search", "#1f77b4", queries.classical_queries, queries.classical_exponent,
             queries.classical_ci)]:
        low, median, high = np.percentile(q, [25, 50, 75], axis=1)
        fig.add_scatter(x=n, y=median, mode="markers", row=1, col=2, marker={"color": color, "size": 7},
                        error_y={"type": "data", "symmetric": False, "array": high - median,
                                 "arrayminus": median - low, "thickness": 1},
                        name=f"{name}: N<sup>{_interval(slope, ci)}</sup>")
        fit = np.polyfit(n, np.log2(median), 1)
        fig.add_scatter(x=n, y=2.0 ** np.polyval(fit, n), mode="lines", row=1, col=2, showlegend=False,
                        line={"color": color, "dash": "dot"})
    fig.update_xaxes(title_text="anneal fraction s", range=[0, 1], row=1, col=1)
    fig.update_yaxes(title_text=f"E<sub>k</sub>(s) {MINUS} E<sub>0</sub>(s) (GHz)", rangemode="tozero", row=1, col=1)
    fig.update_xaxes(title_text="n = log<sub>2</sub> N (spins)", dtick=2, row=1, col=2)
    fig.update_yaxes(title_text="median oracle queries (IQR bars)", type="log", row=1, col=2)
    fig.update_layout(
        width=WIDTH, height=460, template="plotly_white", margin={"l": 60, "r": 20, "t": 90, "b": 60},
        title={"text": f"Coherent search: queries ~ N<sup>{_interval(queries.quantum_exponent, queries.quantum_ci)}"
                       f"</sup> (Grover) vs N<sup>{_interval(queries.classical_exponent, queries.classical_ci)}</sup>"
                       f"<br><sup>(a) lowest levels of H(s), free-phase model of a {'-'.join(map(str, GAP_LAYERS))} "
                       f"network; (b) {QUERY_TRIALS} random Ising models per n, exponents with 95% bootstrap CI</sup>",
               "x": 0.01},
        legend={"x": 0.56, "y": 0.99, "xanchor": "left", "yanchor": "top", "bgcolor": "rgba(255,255,255,0.8)"})
    return fig, gap, queries


def melting_png_figure():
    """The melting temperature per epoch on circles and digits; returns (figure, {task: [(seed, series)]})."""
    fig = make_subplots(cols=2, horizontal_spacing=0.1, subplot_titles=[
        f"({'ab'[i]}) {name} {'-'.join(map(str, run[1]))}" for i, (name, run) in enumerate(MELT_RUNS.items())])
    series = {}
    for col, (name, (dataset, layers, replicas, batch, epochs, seeds)) in enumerate(MELT_RUNS.items(), 1):
        for seed in seeds:
            ds = ql.load_dataset(**dataset, random_state=seed)
            net = ql.Network(layers, output_replicas=replicas, random_state=seed)
            tr = ql.ContrastiveTrainer(net, batch_size=batch, epochs=epochs, keep_best=False,
                                       random_state=seed).fit(ds.X_train, ds.y_train, ds.X_test, ds.y_test)
            x, t = melting_series(tr.history_)
            series.setdefault(name, []).append((seed, t))
            fig.add_scatter(x=x, y=t, mode="lines+markers", row=1, col=col, name=f"{name}, seed {seed}: test "
                            f"{tr.history_[-1]['test_accuracy']:.2f} at epoch {epochs}")
        fig.update_xaxes(title_text="epoch (0: before training)", row=1, col=col)
        fig.update_yaxes(title_text="melting temperature (coupling units)", rangemode="tozero", row=1, col=col)
    fig.update_layout(
        width=WIDTH, height=440, template="plotly_white", margin={"l": 60, "r": 20, "t": 90, "b": 60},
        title={"text": "Training grows an order that melts hotter than the untrained network's<br><sup>temperature "
                       "where the probe's mean overlap with its clamped state falls below 1/2 (32 samples, 8 reads)"
                       "</sup>", "x": 0.01},
        legend={"x": 0.99, "y": 0.01, "xanchor": "right", "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.8)"})
    return fig, series


def render_png(figures, out_dir):
    """Each (figure, file name) to a PNG of the plot element, through one headless chromium."""
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": WIDTH + 40, "height": 800})
        for fig, name in figures:
            html = Path(tmp) / f"{name}.html"
            fig.write_html(html, include_plotlyjs=True, full_html=True, config={"displayModeBar": False})
            page.goto(html.as_uri())
            page.wait_for_selector(".js-plotly-plot .main-svg")
            page.locator(".js-plotly-plot").first.screenshot(path=str(out_dir / name))
        browser.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="directory of the PNGs")
    parser.add_argument("--study", type=Path, default=ROOT / "benchmarks" / "scaling_full.json")
    parser.add_argument("--digits-study", type=Path, default=ROOT / "benchmarks" / "scaling_digits.json")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    scaling, study = scaling_png_figure(args.study)
    print(study.summary())
    scaling_digits, study = scaling_png_figure(args.digits_study)
    print(study.summary())
    melting, series = melting_png_figure()
    for name, runs in series.items():
        for seed, t in runs:
            print(f"melting temperature, {name} seed {seed}: " + " ".join("-" if v is None else f"{v:.3g}" for v in t))
    coherent, gap, queries = coherent_png_figure()
    print(f"gap: {gap.gap:.4f} GHz at s = {gap.s:.3f} (ground degeneracy {gap.degeneracy})")
    print(f"queries: quantum exponent {queries.quantum_exponent:.3f} {queries.quantum_ci}, classical "
          f"{queries.classical_exponent:.3f} {queries.classical_ci}, ratio {queries.exponent_ratio:.3f}")
    computed = time.perf_counter()
    names = ("scaling.png", "scaling_digits.png", "coherent.png", "melting.png")
    render_png(list(zip((scaling, scaling_digits, coherent, melting), names)), args.out)
    for name in names:
        print(f"{args.out / name}: {(args.out / name).stat().st_size / 1024:.0f} KB")
    print(f"computed in {computed - start:.1f} s, rendered in {time.perf_counter() - computed:.1f} s")


if __name__ == "__main__":
    main()
