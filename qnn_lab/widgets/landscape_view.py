"""The Landscape tab: glass -> order panels and the melting temperature, from a trainer's history_."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .common import BLUE, GREEN, GREY, ORANGE, TAB_WIDTH, WHOLE_EPOCH_TICKS, figure, thin

__all__ = ["LANDSCAPE_NOTE", "draw_landscape", "draw_melting", "landscape_figure", "landscape_series",
           "melting_series"]

#: Under the panel's one-line explanation (words.PANELS["landscape"]): what it adds.
LANDSCAPE_NOTE = ("Measured on a fixed probe set of samples, epoch by epoch. The melting temperature is how hot "
                  "the probe must get before its trained order melts.")


def landscape_series(history):
    """(epoch, landscape) pairs from a trainer's history_: the start (epoch 0) if recorded, then every epoch."""
    series = []
    if history and "landscape_initial" in history[0]:
        series.append((0, history[0]["landscape_initial"]))
    series += [(r["epoch"], r["landscape"]) for r in history if "landscape" in r]
    return series


def melting_series(history):
    """(epochs, melting temperatures) from a trainer's history_, the start (epoch 0) first if recorded;
    None where the probe had no order to melt."""
    pairs = []
    if history and "melting_temperature_initial" in history[0]:
        pairs.append((0, history[0]["melting_temperature_initial"]))
    pairs += [(r["epoch"], r["melting_temperature"]) for r in history if "melting_temperature" in r]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def landscape_figure():
    """The glass -> order panels: heads, gap and overlap heatmaps (with colour bars), order measures, P(q)
    and the melting temperature of the trained order.

    Three rows of two, so the figure stays readable at the lab's narrowest tab width."""
    fig = figure(height=750, width=TAB_WIDTH, fig=make_subplots(
        rows=3, cols=2, vertical_spacing=0.13, horizontal_spacing=0.2, subplot_titles=(
            "heads per sample", "gap to the target, per spin", "overlaps P(q) over training", "glass -> order",
            "P(q): start and now", "melting temperature")),
        legend={"font": {"size": 10}, "x": 0.0, "y": -0.06, "yanchor": "top", "orientation": "h"},
        margin={"l": 52, "r": 10, "t": 30, "b": 90})
    fig.add_trace(go.Scatter(name="heads", mode="lines+markers", showlegend=False, line={"color": ORANGE}),
                  row=1, col=1)
    lay = fig.layout
    bar = {"thickness": 8, "len": 0.25, "title": {"side": "right", "font": {"size": 10}}}
    fig.add_trace(go.Heatmap(colorscale="Viridis", name="gaps", colorbar={
        **bar, "x": lay.xaxis2.domain[1] + 0.01, "y": sum(lay.yaxis2.domain) / 2,
        "title": {**bar["title"], "text": "share of reads"}}), row=1, col=2)
    fig.add_trace(go.Heatmap(colorscale="Viridis", name="P(q)", colorbar={
        **bar, "x": lay.xaxis3.domain[1] + 0.01, "y": sum(lay.yaxis3.domain) / 2,
        "title": {**bar["title"], "text": "share of pairs"}}), row=2, col=1)
    order = (("reads in lowest state", "in the lowest state", BLUE),        # (trace, its name in the key, colour)
             ("distinct minima / reads", "distinct minima", GREEN),
             ("samples with a head below the target", "with a head", ORANGE))
    fig.add_traces([go.Scatter(name=name, mode="lines+markers", line={"color": colour}, showlegend=False)
                    for name, _, colour in order], rows=2, cols=2)
    title = next(a for a in lay.annotations if a.text == "glass -> order")       # its key under its title
    for row_title in lay.annotations:
        if row_title.y == title.y:
            row_title.yshift = 14
    fig.add_annotation(xref="paper", yref="paper", x=title.x, y=title.y, xanchor="center", yanchor="bottom",
                       showarrow=False, font={"size": 10}, text=" · ".join(
                           f"<span style='color:{colour}'>{short}</span>" for _, short, colour in order))
    fig.add_traces([go.Scatter(name="P(q) start", mode="lines", line={"shape": "hvh", "dash": "dot", "color": GREY}),
                    go.Scatter(name="P(q) now", mode="lines", line={"shape": "hvh", "color": BLUE})], rows=3, cols=1)
    fig.add_trace(go.Scatter(name="melting temperature", mode="lines+markers", showlegend=False,
                             line={"color": BLUE}, connectgaps=False), row=3, col=2)
    for (row, col), title in (((1, 1), "heads"), ((1, 2), "(E - E_target) / spin"), ((2, 1), "overlap q"),
                              ((3, 2), "T_melt (coupling units)")):
        fig.update_xaxes(title_text="epoch", row=row, col=col)
        fig.update_yaxes(title_text=title, row=row, col=col)
    fig.update_xaxes(title_text="epoch", row=2, col=2)
    fig.update_yaxes(title_text="share", range=[0, 1.02], row=2, col=2)
    fig.update_xaxes(title_text="overlap q of two reads", range=[-1.05, 1.05], row=3, col=1)
    fig.update_yaxes(title_text="P(q)", row=3, col=1)
    fig.update_yaxes(rangemode="tozero", row=3, col=2)
    return fig


def _epoch_axes(fig, epochs, axes):
    """Epoch axes from half an epoch before the first to half after the last (a heatmap's columns), ticked
    at whole epochs while they are few (plotly would tick -0.5, 0, 0.5 around a lone epoch 0); no epochs: plotly's
    own range."""
    if not len(epochs):
        span = {"autorange": True, "range": None, "dtick": None}
    else:
        first, last = min(epochs), max(epochs)
        span = {"range": [first - 0.5, last + 0.5], "dtick": 1 if last - first <= WHOLE_EPOCH_TICKS else None}
    for axis in axes:
        fig.layout[axis].update(span)


def draw_melting(fig, history):
    """``landscape_figure``'s melting-temperature trace from a trainer's ``history_``."""
    epochs, melt = melting_series(history)
    keep = thin(len(epochs))
    fig.data[8].x, fig.data[8].y = [epochs[i] for i in keep], [melt[i] for i in keep]
    _epoch_axes(fig, epochs, ["xaxis6"])


def draw_landscape(fig, series):
    """``landscape_figure``'s glass -> order panels from (epoch, landscape) pairs (``landscape_series``)."""
    _epoch_axes(fig, [epoch for epoch, _ in series], ["xaxis", "xaxis2", "xaxis3", "xaxis4"])
    if not series:
        return
    keep = thin(len(series))
    epochs = [series[i][0] for i in keep]
    marks = [series[i][1] for i in keep]
    first, last = series[0][1], series[-1][1]
    gap_edges, q_edges = np.array(last["gap_edges"]), np.array(last["overlap_edges"])
    gaps = np.array([m["gap_counts"] for m in marks], float)
    d = fig.data
    d[1].x, d[1].y = epochs, (gap_edges[:-1] + gap_edges[1:]) / 2
    d[1].z = (gaps / np.maximum(gaps.sum(1, keepdims=True), 1)).T
    d[2].x, d[2].y = epochs, (q_edges[:-1] + q_edges[1:]) / 2
    d[2].z = np.array([m["overlap_distribution"] for m in marks]).T
    d[3].x, d[3].y = epochs, [m["lowest_share"] for m in marks]
    d[4].x, d[4].y = epochs, [m["distinct_minima"] / m["num_reads"] for m in marks]
    d[5].x, d[5].y = epochs, [m["head_below_target"] for m in marks]
    q_mid = (q_edges[:-1] + q_edges[1:]) / 2
    d[6].x, d[6].y = q_mid, first["overlap_distribution"]
    d[7].x, d[7].y = q_mid, last["overlap_distribution"]
