"""Deploy a trained spin network as an ONNX graph (run it with onnxruntime; no qnn_lab or torch needed).

Input ``x``: float64 (n, n_inputs). Outputs ``scores`` = -E_min(c | x), float64 (n, n_classes), and
``label`` = argmax of the scores (the first on ties, as ``Network.predict``), int64 (n,).
One hidden layer or none: the closed forms of ``Network.class_energies``. Deeper: the layered
descent as an ONNX ``Loop`` that stops, as numpy's does, after the first sweep that changes nothing
or after ``MAX_DESCENT_SWEEPS`` sweeps; a fixed point stays put, so every input gets numpy's state.
"""
from __future__ import annotations

import numpy as np

from .descent import MAX_DESCENT_SWEEPS

__all__ = ["OPSET", "network_to_onnx"]

#: ONNX operator set of the exported graphs.
OPSET = 17


class _Graph:
    """Nodes and initializers of one ONNX graph, built one single-output node at a time."""

    def __init__(self, consts):
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes, self.consts = [], consts

    def const(self, name, value, dtype=np.float64):
        self.consts[name] = self.numpy_helper.from_array(np.asarray(value, dtype=dtype), name)
        return name

    def __call__(self, op, inputs, output, **attrs):
        self.nodes.append(self.helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def sign(self, f, out):
        """+1 where f >= 0, else -1 (spin_sign)."""
        return self("Where", [self("GreaterOrEqual", [f, "zero"], out + "_ge"), "one", "minus_one"], out)

    def dot_last(self, u, v, out):
        """Sum over the last axis of u * v."""
        return self("ReduceSum", [self("Mul", [u, v], out + "_mul"), "last_axis"], out, keepdims=0)


def network_to_onnx(network):
    """An ``onnx.ModelProto`` whose ``label`` output equals ``network.predict`` (checked by onnx's checker)."""
    import onnx
    from onnx import TensorProto, helper

    g = _Graph({})
    L = len(network.weights)
    codes = network.target_codes(range(network.n_classes))              # t(c), (C, n_outputs)
    for l, (W, b) in enumerate(zip(network.weights, network.biases)):
        g.const(f"W{l}T", W.T)
        g.const(f"b{l}", b)
    for name, value in (("zero", 0.0), ("one", 1.0), ("minus_one", -1.0)):
        g.const(name, value)
    g.const("axis1", [1], np.int64)
    g.const("last_axis", [-1], np.int64)
    a = g("Add", [g("MatMul", ["x", "W0T"], "xW0"), "b0"], "a")         # W_1 x + b_1, (n, H1)
    if L == 1:
        scores = g("MatMul", [a, g.const("codesT", codes.T)], "scores")
    elif L == 2:
        g.const("tW1", (codes @ network.weights[1])[None])               # (1, C, H1)
        g.const("tb1", codes @ network.biases[1])                        # (C,)
        field = g("Add", [g("Unsqueeze", [a, "axis1"], "a3"), "tW1"], "field")
        summed = g("ReduceSum", [g("Abs", [field], "abs_field"), "last_axis"], "sum_abs", keepdims=0)
        scores = g("Add", [summed, "tb1"], "scores")
    else:
        scores = _deep_scores(g, network, codes, a)
    g("ArgMax", [scores], "label", axis=1, keepdims=0)
    used = _inputs(g.nodes)
    graph = helper.make_graph(
        g.nodes, "spin_network",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["n", network.n_inputs])],
        [helper.make_tensor_value_info("scores", TensorProto.DOUBLE, ["n", network.n_classes]),
         helper.make_tensor_value_info("label", TensorProto.INT64, ["n"])],
        initializer=[c for name, c in g.consts.items() if name in used])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="qnn_lab", doc_string=repr(network))
    onnx.checker.check_model(model)
    return model


def _inputs(nodes):
    """Names that ``nodes`` (and the graphs inside them) read."""
    names = set()
    for n in nodes:
        names.update(n.input)
        for attr in n.attribute:
            if attr.HasField("g"):
                names |= _inputs(attr.g.node)
    return names


def _deep_scores(g, network, codes, a):
    """Two or more hidden layers: the descent with the outputs clamped to t(c), per (sample, class)."""
    from onnx import TensorProto, helper

    L = len(network.weights)
    last = L - 2                                                          # the last hidden layer
    for l in range(1, L):
        g.const(f"W{l}", network.weights[l])
    g.const("tW", codes @ network.weights[L - 1])                         # field of the outputs on it, (C, H)
    g.const("t3", codes[None])                                            # (1, C, n_outputs)
    g.const("zeros", np.zeros((1, network.n_classes, 1)))
    a3 = g("Add", [g("Unsqueeze", [a, "axis1"], "a_row"), "zeros"], "a3")  # (n, C, H1)

    def below(gr, l, states, out):
        """Field from the layer below: the input field for l = 0, else h_{l-1} W_l^T + b_l."""
        return a3 if l == 0 else gr("Add", [gr("MatMul", [states[l - 1], f"W{l}T"], out + "_mm"), f"b{l}"], out)

    start = []                                                            # the feed-forward state
    for l in range(last + 1):
        start.append(g.sign(below(g, l, start, f"ff{l}_in"), f"ff{l}"))

    body = _Graph(g.consts)           # initializers live in the outer graph; the body refers to them
    carried = [f"h{l}_in" for l in range(last + 1)]
    states, changes = list(carried), []
    for parity in (0, 1):             # even layers, then odd: each an independent set given the rest
        for l in range(parity, last + 1, 2):
            above = "tW" if l == last else body("MatMul", [states[l + 1], f"W{l + 1}"], f"s{l}_above")
            field = body("Add", [below(body, l, states, f"s{l}_below"), above], f"s{l}_field")
            new = body.sign(field, f"h{l}_out")
            diff = body("Abs", [body("Sub", [new, states[l]], f"s{l}_diff")], f"s{l}_absdiff")
            changes.append(body("ReduceSum", [diff], f"s{l}_changed", keepdims=0))
            states[l] = new
    total = changes[0]
    for k, c in enumerate(changes[1:]):
        total = body("Add", [total, c], f"changes{k}")
    body("Greater", [total, "zero"], "cond_out")

    def tensors(names, shape=None):
        return [helper.make_tensor_value_info(n, TensorProto.DOUBLE, shape) for n in names]

    sweep = helper.make_graph(
        body.nodes, "sweep",
        [helper.make_tensor_value_info("iteration", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, [])] + tensors(carried),
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, [])] + tensors(states))
    g.const("max_sweeps", MAX_DESCENT_SWEEPS, np.int64)
    g.const("true", True, np.bool_)
    final = [f"h{l}" for l in range(last + 1)]
    g.nodes.append(helper.make_node("Loop", ["max_sweeps", "true", *start], final, name="descent", body=sweep))
    # scores = -E: the energy terms summed in Network.energy's order
    scores = g.dot_last(final[0], a3, "e0")
    for l in range(1, L):
        upper = final[l] if l <= last else "t3"
        scores = g("Add", [scores, g.dot_last(upper, below(g, l, final, f"e{l}_in"), f"e{l}")], f"scores{l}")
    return g("Identity", [scores], "scores")
