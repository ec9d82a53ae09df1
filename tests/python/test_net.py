"""primod.Net against an independent numpy model of SPEC §2-3; errors carry the library's message; NaN refused."""
import math

import numpy as np
import pytest

import primod
from conftest import model_forward, model_learn, needs_symbol, net_weights


@pytest.mark.parametrize("activation,bias", [("sigmoid", False), ("tanh", True), ("relu", True), ("linear", False)])
def test_forward_matches_numpy(activation, bias):
    with primod.Net(5, [4, 3, 2], activation=activation, bias=bias, seed=3, init="symmetric") as net:
        x = np.array([0.3, -0.2, 0.9, 0.0, -1.1])
        out = net.forward(x)
        _, _, ys = model_forward(net_weights(net), x, activation, bias)
        np.testing.assert_allclose(out, ys[-1], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(net.activations(0), ys[0], rtol=1e-12, atol=1e-15)
        assert net.n_outputs == 2 and net.layer_sizes == [4, 3, 2] and net.has_bias == bias
        # weights + biases: 4*(5+b) + 3*(4+b) + 2*(3+b)
        assert net.n_weights == 4 * (5 + bias) + 3 * (4 + bias) + 2 * (3 + bias)


def test_paper_init_ranges():
    # SPEC §2 paper preset: first layer U[0, 0.001), the others U[0, 1)
    net = primod.Net()
    w0, w1 = np.array(net.layer_weights(0)), np.array(net.layer_weights(1))
    assert w0.shape == (10, 720) and w1.shape == (10, 10)
    assert w0.min() >= 0 and w0.max() < 0.001 and w1.min() >= 0 and w1.max() < 1
    assert net.n_weights == 8120   # 720*10 + 9*10*10 + 10*2 (SPEC §8)
    net.close()


@pytest.mark.parametrize("rule", ["bp", "pm"])
def test_learn_matches_numpy(rule):
    net = primod.Net(4, [3, 2], activation="sigmoid", bias=True, seed=11, init="symmetric")
    x = [0.5, -0.25, 1.0, 0.75]
    before = net_weights(net)
    net.forward(x)
    net.learn(0.8, rate=0.1, relevance=2.0, rule=rule)
    expect, deltas = model_learn(before, x, 0.8, 0.1, 2.0, rule, "sigmoid", True)
    for got, want in zip(net_weights(net), expect):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.deltas(1), deltas[1], rtol=1e-12, atol=1e-15)
    # distance from the initial weights = Frobenius norm of the change
    d = math.sqrt(sum(float(((a - b) ** 2).sum()) for a, b in zip(expect, before)))
    assert net.weight_distance() == pytest.approx(d, rel=1e-12)
    net.close()


def test_learn_error_vector():
    net = primod.Net(2, [2], activation="linear", seed=1, init="symmetric")
    before = net_weights(net)
    net.forward([1.0, 2.0])
    net.learn([0.5, -1.0], rate=0.1, rule="bp")
    # linear output layer: delta = e, dw_ji = 0.1 * e_j * x_i
    np.testing.assert_allclose(net_weights(net)[0] - before[0], [[0.05, 0.1], [-0.1, -0.2]], rtol=1e-12)


def test_errors_carry_library_message():
    net = primod.Net(2, [1])
    with pytest.raises(primod.ArgumentError) as e:
        net.learn(1.0, 0.1)            # learn before any forward pass is refused
    assert e.value.status == 1 and e.value.message == primod.status_str(1)
    assert primod.status_str(1) in str(e.value) and "pm_net_learn" in str(e.value)
    assert primod.status_str(1) != primod.status_str(5)    # one message per code
    with pytest.raises(primod.ArgumentError):
        primod.Net(0, [1])
    with pytest.raises(primod.ArgumentError):
        net.set_weight(0, 5, 0, 1.0)
    with pytest.raises(IndexError):
        net.weight(3, 0, 0)
    with pytest.raises(ValueError):
        net.forward([1.0])           # wrong length, caught before the call
    with pytest.raises(ValueError):
        primod.Net(2, [1], activation="softmax")
    net.close()


def test_nan_refused_and_net_unchanged():
    net = primod.Net(3, [2, 1], seed=2)
    x = [0.1, 0.2, 0.3]
    out = np.array(net.forward(x))
    w = net_weights(net)
    with pytest.raises(primod.NonFiniteError) as e:
        net.forward([0.1, float("nan"), 0.3])
    assert e.value.message == primod.status_str(5)
    np.testing.assert_array_equal(net.outputs, out)
    for bad in ({"error": float("nan"), "rate": 0.1}, {"error": 1.0, "rate": float("inf")},
                {"error": 1.0, "rate": 0.1, "relevance": float("-inf")}):
        with pytest.raises(primod.NonFiniteError):
            net.learn(**bad)
    with pytest.raises(primod.NonFiniteError):
        net.set_weight(0, 0, 0, float("nan"))
    for a, b in zip(net_weights(net), w):
        np.testing.assert_array_equal(a, b)


def test_set_weight_and_layer_weights():
    net = primod.Net(2, [2, 1], seed=5)
    net.set_weight(1, 0, 1, -0.25)
    assert net.weight(1, 0, 1) == -0.25
    net.set_layer_weights(0, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(net.layer_weights(0), [[1, 2], [3, 4]])
    with pytest.raises(primod.NonFiniteError):
        net.set_layer_weights(0, [[1, float("nan")], [3, 4]])
    np.testing.assert_array_equal(net.layer_weights(0), [[1, 2], [3, 4]])   # nothing changed
    net.mark_initial()
    assert net.weight_distance() == 0.0
    net.set_weight(0, 0, 0, 4.0)     # change 3 -> distance 3
    assert net.weight_distance(0) == pytest.approx(3.0)
    net.reset()
    assert net.weight(0, 0, 0) == 1.0
    net.close()


def test_clone_is_independent():
    with primod.Net(2, [1], seed=9) as a, a.clone() as b:
        b.set_weight(0, 0, 0, 0.5)
        assert a.weight(0, 0, 0) != 0.5


def test_save_load_roundtrip(tmp_path):
    needs_symbol("pm_net_save")
    net = primod.Net(3, [2, 2], seed=4, bias=True)
    path = tmp_path / "m.pmnet"
    net.save(path)
    with primod.Net.load(path) as back:
        for a, b in zip(net_weights(back), net_weights(net)):
            np.testing.assert_array_equal(a, b)
    with primod.Net.from_bytes(net.to_bytes()) as back:
        assert back.layer_sizes == [2, 2]
    with pytest.raises(primod.FileIOError):
        primod.Net.load(tmp_path / "missing")
    (tmp_path / "junk").write_bytes(b"not a model")
    with pytest.raises(primod.FileFormatError):
        primod.Net.load(tmp_path / "junk")


def test_context_manager_closes():
    with primod.Net(2, [1]) as net:
        net.forward([0, 0])
    assert net.closed
    with pytest.raises(ValueError):
        net.forward([0, 0])
    net.close()   # idempotent
