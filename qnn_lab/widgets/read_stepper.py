"""ReadStepper: step through the reads of the last sampling, lowest gap to the target first.

It only sets ``LabState.selected_read``; the network drawing puts that read's spins on its
neurons, the histogram marks its gap, and the QPU view its qubits and broken chains.
"""
from __future__ import annotations

import html

import ipywidgets as w

from .reads import Reads

__all__ = ["ReadStepper"]


class ReadStepper(w.VBox):
    """First / previous / next / last buttons and a slider over ``LabState.last_reads``."""

    def __init__(self, state):
        self.state = state
        button = {"layout": {"width": "38px"}}
        self.first = w.Button(icon="fast-backward", tooltip="the lowest read", **button)
        self.previous = w.Button(icon="step-backward", tooltip="the read below", **button)
        self.next = w.Button(icon="step-forward", tooltip="the read above", **button)
        self.last = w.Button(icon="fast-forward", tooltip="the highest read", **button)
        self.slider = w.IntSlider(min=1, max=1, description="read", readout=True, continuous_update=True,
                                  layout={"width": "320px"}, style={"description_width": "40px"})
        self.heads_only = w.Checkbox(value=False, description="heads only", indent=False, layout={"width": "100px"},
                                     tooltip="step only through wrong-class reads below their target")
        self.text = w.HTML()
        self.first.on_click(lambda _: self.select(0))
        self.last.on_click(lambda _: self.select(len(self._visible()) - 1))
        self.previous.on_click(lambda _: self.step(-1))
        self.next.on_click(lambda _: self.step(+1))
        self.slider.observe(lambda ch: self.select(ch["new"] - 1), "value")
        self.heads_only.observe(lambda _: self._on_reads(), "value")
        state.observe(lambda _: self._on_reads(), names="last_reads")
        state.observe(lambda _: self.show(), names="selected_read")
        super().__init__([
            w.HTML("<span style='color:#666;font-size:12px'>The reads of the last sampling, lowest gap to "
                   "the target first: the chosen read's spins show on the network (&#9650; up, &#9660; down), "
                   "its gap on the histogram and, once embedded, its qubits on the QPU graph.</span>"),
            w.HBox([self.first, self.previous, self.slider, self.next, self.last, self.heads_only]), self.text])
        self._on_reads()

    @property
    def reads(self):
        reads = self.state.last_reads
        return reads if isinstance(reads, Reads) else None

    def _visible(self):
        """Positions (into ``Reads.order``) the stepper walks: every read, or the heads only."""
        reads = self.reads
        if reads is None:
            return []
        if not self.heads_only.value:
            return range(len(reads))
        r, p = divmod(reads.order, reads.n_samples)
        head = ~reads.right[r, p] & (reads.gaps[r, p] < 0)
        return [k for k in range(len(reads)) if head[k]]

    def _on_reads(self):
        visible = self._visible()
        for control in (self.first, self.previous, self.next, self.last, self.slider):
            control.disabled = not visible
        with self.hold_sync():
            self.slider.max = max(len(visible), 1)
        if visible and (self.state.selected_read is None or self.state.selected_read not in visible):
            self.select(0)
        else:
            self.show()

    def select(self, position):
        """Choose the read at ``position`` among the walked ones (clipped to the ends)."""
        visible = self._visible()
        if not visible:
            return
        self.state.selected_read = visible[min(max(position, 0), len(visible) - 1)]

    def step(self, delta):
        visible = list(self._visible())
        k = self.state.selected_read
        position = visible.index(k) if k in visible else -1
        self.select(position + delta)

    def show(self):
        reads, k = self.reads, self.state.selected_read
        if reads is None or k is None or k >= len(reads):
            self.text.value = ("<i style='color:#888'>no reads yet: press Sample (energies) or Sample chains "
                               "(QPU)</i>" if reads is None else "")
            return
        visible = list(self._visible())
        if k in visible and self.slider.value != visible.index(k) + 1:
            self.slider.value = visible.index(k) + 1
        text = html.escape(reads.describe(k))
        broken = reads.broken(k)
        if reads.chains is not None:
            text += f"; {len(broken)} broken chain{'s' if len(broken) != 1 else ''}"
        r, p = reads.locate(k)
        color = "#009E73" if reads.right[r, p] else "#D55E00"
        self.text.value = f"<span style='border-left:4px solid {color};padding-left:6px'>{text}</span>"
