"""The one place that formats and parses model variable labels.

Neuron spins are ``(i, 'h', layer, j)`` (hidden layer ``layer`` >= 1, unit j, of sample i) and
``(i, 'o', k)`` (output spin k of sample i); weight bits are ``('w', layer, j, i, bit)``
(bit ``bit`` of W_layer[j, i]). Layers in the text are 1-based as in W_1 x, spin-layer
indices in code are 0-based (h1 is spin layer 0, the outputs the last).
"""
from __future__ import annotations

import functools

import numpy as np

__all__ = ["coupling_text", "is_spin_label", "is_weight_label", "label_text", "locate", "parse_spin_labels",
           "spin_labels", "spin_layer_name", "variable_name", "weight_labels"]


def spin_layer_name(n_spin_layers, l):
    """'h1', 'h2', ... for hidden spin layers, 'o' for the last (output) one."""
    return "o" if l == n_spin_layers - 1 else f"h{l + 1}"


@functools.lru_cache(maxsize=8)
def spin_labels(sizes, P, n_layers, first_layer=0):
    """Labels (i, 'h', layer, j) and (i, 'o', k) of spin layers first_layer..n_layers-1, sample-major (cached)."""
    per_sample = []
    for l in range(first_layer, n_layers):
        if l == len(sizes) - 1:
            per_sample += [("o", k) for k in range(sizes[l])]
        else:
            per_sample += [("h", l + 1, j) for j in range(sizes[l])]
    return tuple((i, *v) for i in range(P) for v in per_sample)


@functools.lru_cache(maxsize=8)
def weight_labels(layer, m, n, bits):
    """Labels ('w', layer + 1, j, i, bit) of an (m, n) weight block of ``bits`` bits per weight."""
    return tuple(("w", layer + 1, j, i, k) for j in range(m) for i in range(n) for k in range(bits))


def is_spin_label(label):
    return isinstance(label, tuple) and len(label) >= 3 and label[1] in ("h", "o")


def is_weight_label(label):
    return isinstance(label, tuple) and len(label) == 5 and label[0] == "w"


def locate(label, n_spin_layers):
    """(sample, spin layer (0-based, outputs last), unit) of a spin label."""
    if label[1] == "o":
        return label[0], n_spin_layers - 1, label[2]
    return label[0], label[2] - 1, label[3]


def label_text(label):
    """A variable without its sample: 'h1[3]', 'o[2]', 'w2[0,3]b1'."""
    if label[0] == "w":
        return f"w{label[1]}[{label[2]},{label[3]}]b{label[4]}"
    return f"o[{label[2]}]" if label[1] == "o" else f"h{label[2]}[{label[3]}]"


def variable_name(label):
    """A model variable as people read it: 'h1[3] (sample 0)', 'o[2] (sample 1)', 'w2[0,3]b1'."""
    if is_spin_label(label):
        return f"{label_text(label)} (sample {label[0]})"
    if is_weight_label(label):
        return label_text(label)
    return str(label)


def coupling_text(label_u, label_v, value):
    """'coupling h1[3]-o[12] = -W2[12,3] = -0.41' (lower layer first), or the plain value for weight bits."""
    if label_u[0] == "w":
        return f"coupling {label_text(label_u)}-{label_text(label_v)} = {value:.3g}"
    a, b = sorted([label_u, label_v], key=lambda v: 99 if v[1] == "o" else v[2])
    layer = b[2] + 1 if b[1] == "h" else a[2] + 1
    jb = b[3] if b[1] == "h" else b[2]
    return f"coupling {label_text(a)}-{label_text(b)} = -W{layer}[{jb},{a[3]}] = {value:.3g}"


def parse_spin_labels(labels):
    """Arrays (sample, layer, unit, is_output) of spin labels; the output's layer is 0 (set by the caller).

    ValueError for labels that are not spin labels.
    """
    try:
        sample = np.array([v[0] for v in labels], dtype=np.int64)
        is_out = np.array([v[1] == "o" for v in labels], dtype=bool)
        if not np.all(is_out | np.array([v[1] == "h" for v in labels], dtype=bool)):
            raise TypeError
        layer = np.array([0 if o else v[2] for v, o in zip(labels, is_out)], dtype=np.int64)
        unit = np.array([v[2] if o else v[3] for v, o in zip(labels, is_out)], dtype=np.int64)
    except (TypeError, IndexError, ValueError):
        raise ValueError("expected models made by encode_neurons, with labels (i, 'h', layer, j) and "
                         "(i, 'o', k)") from None
    return sample, layer, unit, is_out
