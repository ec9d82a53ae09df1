"""Hostile input to the Python package (issue 13): documented exception types, exact sizes and shapes, file paths."""
import math

import numpy as np
import pytest

import primod

NAN, INF = float("nan"), float("inf")


def test_nonfinite_learning_values_raise_nonfinite_error():
    # python/README.md: NaN and infinity are refused with NonFiniteError, whatever else is wrong (here: no
    # forward pass yet, which alone would be an ArgumentError)
    net = primod.Net(3, [2], seed=1)
    for kw in ({"error": NAN, "rate": 0.1}, {"error": 0.5, "rate": NAN}, {"error": 0.5, "rate": 0.1, "relevance": INF}):
        with pytest.raises(primod.NonFiniteError):
            net.learn(**kw)
    net.forward([0.1, 0.2, 0.3])
    before = np.array(net.layer_weights(0))
    with pytest.raises(primod.NonFiniteError):
        net.learn(error=NAN, rate=0.1)
    with pytest.raises(primod.NonFiniteError):
        net.learn(error=[0.1, NAN], rate=0.1)
    np.testing.assert_array_equal(net.layer_weights(0), before)  # unchanged
    with pytest.raises(primod.ArgumentError):
        primod.Net(3, [2]).learn(error=0.5, rate=0.1)  # finite values, no forward pass: ArgumentError as documented


@pytest.mark.parametrize("kw", [{"rate": NAN}, {"rate": INF}, {"t_min": NAN}, {"q": -INF}, {"speed": NAN},
                                {"output_mix": [1.0, NAN]}])
def test_loop_nonfinite_config_raises_nonfinite_error(kw):
    with pytest.raises(primod.NonFiniteError):
        primod.Loop(**kw)


@pytest.mark.parametrize("bad", [3.5, 3.0, True, "3", None])
def test_sizes_must_be_integers(bad):
    with pytest.raises(primod.ArgumentError):
        primod.Net(bad, [2])
    with pytest.raises(primod.ArgumentError):
        primod.Net(3, [4, bad])
    with pytest.raises(primod.ArgumentError):
        primod.Loop(n_rows=bad)
    with pytest.raises(primod.ArgumentError):
        primod.FilterBank(bad)


def test_numpy_integers_are_sizes():
    net = primod.Net(np.int64(3), [np.int32(4), 2])
    assert net.n_inputs == 3 and net.layer_sizes == [4, 2]


def test_arrays_of_the_wrong_shape_are_refused():
    net = primod.Net(3, [2], seed=2)
    for bad in (np.zeros((3, 1)), np.zeros((1, 3)), [[0.1, 0.2, 0.3]], np.zeros(4), [0.1, 0.2], np.zeros(())):
        with pytest.raises(primod.ArgumentError):
            net.forward(bad)
    net.forward(np.array([0.1, 0.2, 0.3]))  # the right shape works
    with pytest.raises(primod.ArgumentError):
        net.learn(error=np.zeros((2, 1)), rate=0.1)
    rows, cols = np.array(net.layer_weights(0)).shape
    with pytest.raises(primod.ArgumentError):
        net.set_layer_weights(0, np.zeros(rows * cols))  # flat instead of (rows, cols)
    net.set_layer_weights(0, np.ones((rows, cols)))
    assert np.array(net.layer_weights(0)).min() == 1.0
    bank = primod.FilterBank(2)
    with pytest.raises(primod.ArgumentError):
        bank.step(np.zeros((2, 1)))


def test_file_errors_name_the_file(tmp_path):
    missing = tmp_path / "missing.pmnet"
    with pytest.raises(primod.FileIOError) as e:
        primod.Net.load(missing)
    assert str(missing) in str(e.value) and "No such file" in str(e.value)
    assert isinstance(e.value, OSError) and e.value.path == str(missing)
    with pytest.raises(primod.FileIOError) as e:
        primod.Net.load(tmp_path)
    assert str(tmp_path) in str(e.value) and "directory" in str(e.value)
    png = tmp_path / "missing.png"
    with pytest.raises(primod.FileIOError) as e:
        primod.World.from_png(png)
    assert str(png) in str(e.value) and "cannot open" in str(e.value)
    text = tmp_path / "text.png"
    text.write_bytes(b"not a png at all")
    with pytest.raises(primod.FileFormatError) as e:
        primod.World.from_png(text)
    assert str(text) in str(e.value) and "not a PNG" in str(e.value)


def test_world_over_budget_raises_limit_error():
    with pytest.raises(primod.LimitError) as e:
        primod.World.builtin("paper", 64)
    assert "16000 x 16000 px" in str(e.value) and "budget" in str(e.value)
    assert math.isclose(primod.World.builtin("paper", 1).ppu, 1.0)
