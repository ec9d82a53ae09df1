"""Shared helpers of the Python package tests: an independent numpy model of SPEC §2-3 and the CLI path."""
import os

import numpy as np
import pytest

import primod

# SPEC §2 table: f(v) and f'(v) written in terms of the output y = f(v) (relu needs v).
ACT = {
    "sigmoid": (lambda v: 1.0 / (1.0 + np.exp(-v)) - 0.5, lambda v, y: (0.5 + y) * (0.5 - y)),
    "tanh": (np.tanh, lambda v, y: 1.0 - y * y),
    "linear": (lambda v: v, lambda v, y: np.ones_like(v)),
    "relu": (lambda v: np.maximum(0.0, v), lambda v, y: (v > 0).astype(float)),
}


def net_weights(net):
    """Every layer's weight matrix (neurons, inputs [+ bias]) as numpy arrays."""
    return [np.array(net.layer_weights(layer)) for layer in range(net.n_layers)]


def model_forward(ws, x, activation="sigmoid", bias=False):
    """Independent forward pass of SPEC §2: returns the inputs y^(l-1), the sums v^l and outputs y^l per layer."""
    f, _ = ACT[activation]
    ys_in, vs, ys = [], [], []
    y = np.asarray(x, dtype=float)
    for w in ws:
        inp = np.append(y, 1.0) if bias else y
        v = w @ inp
        ys_in.append(inp)
        vs.append(v)
        y = f(v)
        ys.append(y)
    return ys_in, vs, ys


def model_learn(ws, x, error, rate, relevance, rule, activation="sigmoid", bias=False):
    """Independent SPEC §3 update: all deltas with the old weights, then dw = eta R phi(delta) y. New weights."""
    _, df = ACT[activation]
    ys_in, vs, ys = model_forward(ws, x, activation, bias)
    n = len(ws)
    deltas = [None] * n
    deltas[-1] = np.asarray(error, dtype=float) * df(vs[-1], ys[-1])
    for l in range(n - 2, -1, -1):
        back = ws[l + 1][:, :len(ys[l])].T @ deltas[l + 1]   # the bias column sends nothing back
        deltas[l] = df(vs[l], ys[l]) * back
    phi = np.sign if rule == "pm" else (lambda d: d)
    return [w + rate * relevance * np.outer(phi(d), y) for w, d, y in zip(ws, deltas, ys_in)], deltas


@pytest.fixture
def cli():
    """The built primod binary: $PRIMOD_CLI, else $PRIMOD_LIB_DIR/primod."""
    path = os.environ.get("PRIMOD_CLI") or os.path.join(os.environ.get("PRIMOD_LIB_DIR", ""), "primod")
    if not os.path.exists(path):
        pytest.skip("no primod binary at %s (set PRIMOD_CLI)" % path)
    return path


def needs_symbol(name):
    """Skips a test when the loaded libprimod lacks a function (a half-built tree)."""
    if not hasattr(primod._lib.lib(), name):
        pytest.skip("libprimod has no %s yet" % name)
