"""The scaling study as an interactive figure: log test error against log cost, fits and CI bands."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

__all__ = ["scaling_figure"]

COLORS = {"contrastive": "#d62728", "qubo": "#9467bd", "backprop": "#1f77b4"}


def _rgba(hex_color, alpha):
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def scaling_figure(study, height=450):
    """A plotly Figure of a ``ScalingStudy``: every seed's curve (faint), the seed mean,
    the fitted power law over its window and the band of the bootstrap fits (pointwise,
    at the study's confidence)."""
    fig = go.Figure()
    confidence = study.config["confidence"]
    for name, fit in study.fits.items():
        color = COLORS.get(name, "#333333")
        cost, error = study.curves[name][study.cost], study.curves[name]["error"]
        for s, (c, e) in enumerate(zip(cost, error)):
            fig.add_trace(go.Scatter(x=c, y=np.where(e > 0, e, np.nan), mode="lines", legendgroup=name,
                                     line={"color": _rgba(color, 0.25), "width": 1}, showlegend=False,
                                     name=f"{name} seed {study.config['seeds'][s]}", hoverinfo="name+x+y"))
        fig.add_trace(go.Scatter(x=cost.mean(0), y=error.mean(0), mode="markers", legendgroup=name,
                                 marker={"color": color, "size": 7}, name=f"{name} (mean of seeds)"))
        x = np.geomspace(*fit.window, 50)
        boot = np.isfinite(fit.boot_alpha)
        lines = np.exp(fit.boot_log_prefactor[boot, None] - fit.boot_alpha[boot, None] * np.log(x)[None, :])
        tail = 50 * (1 - confidence)
        low, high = np.percentile(lines, [tail, 100 - tail], axis=0)
        fig.add_trace(go.Scatter(x=np.r_[x, x[::-1]], y=np.r_[high, low[::-1]], fill="toself", mode="none",
                                 fillcolor=_rgba(color, 0.2), legendgroup=name, hoverinfo="skip",
                                 name=f"{name} {confidence:.0%} band"))
        fig.add_trace(go.Scatter(x=x, y=np.exp(fit.log_prefactor - fit.alpha * np.log(x)), mode="lines",
                                 line={"color": color, "width": 3}, legendgroup=name,
                                 name=f"{name}: alpha = {fit.alpha:.2f} [{fit.ci[0]:.2f}, {fit.ci[1]:.2f}]"))
    title = "; ".join(f"{k} = {r['value']:.2f} [{r['ci'][0]:.2f}, {r['ci'][1]:.2f}]"
                      for k, r in study.ratios.items())
    fig.update_layout(height=height, template="plotly_white", margin={"l": 60, "r": 10, "t": 50, "b": 50},
                      title=f"test error vs {study.cost}" + (f" (alpha ratio {title})" if title else ""),
                      xaxis={"type": "log", "title": study.cost}, yaxis={"type": "log", "title": "test error"})
    return fig
