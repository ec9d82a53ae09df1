"""primod.World / Sim / Loop: a world from a numpy array, sensing over white, one tiny loop checked by hand."""
import numpy as np
import pytest

import primod
from conftest import model_forward, model_learn, net_weights


def test_world_from_numpy_array():
    grey = np.ones((40, 60), dtype=np.float64)
    grey[:, 28:32] = 0.0                      # a vertical black line, 4 px wide
    with primod.World.from_array(grey, ppu=2.0) as w:
        assert (w.width_px, w.height_px) == (60, 40) and w.size == (30.0, 20.0)
        np.testing.assert_array_equal(w.pixels, grey.astype(np.float32))
        assert w.name == "pixels" and w.start_pose is None
    assert w.closed
    with pytest.raises(primod.ArgumentError):
        primod.World.from_array(grey * 2.0)   # values outside [0, 1]
    bad = grey.copy()
    bad[0, 0] = np.nan
    with pytest.raises(primod.NonFiniteError):
        primod.World.from_array(bad)
    with pytest.raises(ValueError):
        primod.World.from_array(np.ones(5))
    lists = [[1.0, 0.0], [0.5, 1.0]]
    with primod.World.from_array(lists, ppu=1) as w:
        np.testing.assert_array_equal(w.pixels, lists)


def test_builtin_world_and_sim_sense():
    assert primod.track_names()[0] == "paper"
    with pytest.raises(primod.ArgumentError) as e:
        primod.World.builtin("no-such-track")
    assert e.value.message == primod.status_str(1)
    world = primod.World.from_array(np.ones((200, 200)), ppu=4.0)   # all white, 50 x 50 units
    with primod.Sim(world, n_rows=2, row_len=8) as sim:
        sim.set_pose(25.0, 25.0, 0.0)
        r = sim.sense()
        assert r.error == 0.0 and not r.line_seen     # SPEC §6: over pure white E is exactly 0
        assert r.reflex_left == pytest.approx(primod.WHITE_READING, abs=1e-15)
        np.testing.assert_array_equal(r.predictors, np.zeros(16))
        # straight motion: both wheels 30 units/s for dt 0.03 s -> 0.9 units along +x
        sim.step(30.0, 30.0)
        x, y, h = sim.pose
        assert (x, y, h) == pytest.approx((25.9, 25.0, 0.0), abs=1e-12)
        with pytest.raises(primod.NonFiniteError):
            sim.step(float("nan"), 0.0)
        assert sim.pose == (x, y, h)
        with pytest.raises(primod.ArgumentError):
            sim.set_pose(-100.0, 0.0, 0.0)
    with pytest.raises(TypeError):
        primod.Sim(world, bogus=1)
    sim2 = primod.Sim(world)
    world.close()                 # closes the sims that borrow it first: no dangling C pointer
    assert sim2.closed and world.closed
    with pytest.raises(ValueError):
        sim2.sense()


def tiny_loop(**kw):
    """2 rows x 2 predictors, a delay line of 1 tap (x = p), one hidden layer of 3, one output."""
    args = dict(n_predictors=4, n_rows=2, row_len=2, filter_kind="delay", n_filters=1, hidden=[3], outputs=1,
                output_mix=[1.5], rule="bp", rate=0.1, net_gain=5.0, speed=30.0, seed=3, init="symmetric")
    args.update(kw)
    return primod.Loop(**args)


def test_loop_step_by_hand():
    with tiny_loop() as loop:
        net = loop.net
        w0 = net_weights(net)
        p1, e1 = np.array([0.2, 0.0, 0.1, 0.05]), 0.3
        s = loop.step(e1, p1)
        # step 1 (SPEC §5): no learning yet; x = p; s = E + g_N c o; wheels v +- s
        _, _, ys = model_forward(w0, p1)
        o1 = ys[-1][0]
        assert s.outputs[0] == pytest.approx(o1, rel=1e-12)
        assert s.steering == pytest.approx(e1 + 5.0 * 1.5 * o1, rel=1e-12)
        assert (s.left, s.right) == pytest.approx((30 + s.steering, 30 - s.steering), rel=1e-12)
        assert s.relevance == 1.0                      # BP: R = 1
        np.testing.assert_array_equal(loop.inputs, p1)
        for a, b in zip(net_weights(net), w0):         # no learning at the first step
            np.testing.assert_array_equal(a, b)
        # step 2: learn with E(2) on step 1's activations at rate 0.1, then forward p2
        p2, e2 = np.array([0.0, 0.2, 0.0, 0.1]), -0.4
        s2 = loop.step(e2, p2)
        w1, _ = model_learn(w0, p1, e2, 0.1, 1.0, "bp")
        for a, b in zip(net_weights(net), w1):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-16)
        _, _, ys = model_forward(w1, p2)
        assert s2.steering == pytest.approx(e2 + 7.5 * ys[-1][0], rel=1e-12)
        assert loop.steps == 2 and loop.success_step is None
        assert loop.mean_abs_error == pytest.approx((0.3 + 0.4) / 2)
        loop.reset()
        assert loop.steps == 0
        for a, b in zip(net_weights(net), w0):
            np.testing.assert_array_equal(a, b)
    assert loop.closed and net.closed                  # the borrowed net is detached with its loop


def test_loop_given_relevance_learning_switch_and_errors():
    with tiny_loop(rule="pm", rate=0.01) as loop:
        w0 = net_weights(loop.net)
        p = [0.1, 0.0, 0.0, 0.1]
        loop.step(0.5, p, relevance=3.0)
        s = loop.step(0.5, p, relevance=3.0)
        assert s.relevance == 3.0
        w1, _ = model_learn(w0, p, 0.5, 0.01, 3.0, "pm")   # P&M with the given R
        for a, b in zip(net_weights(loop.net), w1):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-16)
        loop.learning = False
        loop.step(0.5, p, relevance=3.0)
        for a, b in zip(net_weights(loop.net), w1):
            np.testing.assert_array_equal(a, b)
        with pytest.raises(primod.NonFiniteError):
            loop.step(float("nan"), p)
        with pytest.raises(primod.NonFiniteError):
            loop.step(0.1, p, relevance=float("inf"))
        assert loop.steps == 3                           # refused steps left no trace
        with pytest.raises(ValueError):
            loop.step(0.1, [0.0])
        with pytest.raises(primod.ArgumentError):
            loop.replace_net(primod.Net(5, [3, 1]))       # wrong input count
    with pytest.raises(TypeError):
        tiny_loop(bogus=1)
    with pytest.raises(ValueError):
        tiny_loop(output_mix=[1.0, 2.0])
    with tiny_loop(rule="reflex") as reflex:
        s = reflex.step(0.25, [0, 0, 0, 0])
        assert s.steering == 0.25 and s.outputs is None and reflex.net is None


def test_loop_replace_net_takes_ownership():
    with tiny_loop() as loop:
        new = primod.Net(4, [3, 1], seed=99)
        loop.replace_net(new)
        assert loop.net is new
        loop.step(0.1, [0.1, 0, 0, 0])
        with tiny_loop() as other, pytest.raises(ValueError):
            other.replace_net(new)    # one owner only
    assert new.closed


def test_closed_loop_on_the_paper_track():
    # Sim + Loop driven from Python for 100 steps: the robot moves and the reflex keeps it near the line.
    with primod.World.builtin("paper") as world, primod.Sim(world) as sim, primod.Loop() as loop:
        x0, y0, _ = sim.pose
        for _ in range(100):
            r = sim.sense()
            s = loop.step(r.error, r.predictors, line_seen=r.line_seen)
            sim.step(s.left, s.right)
        x, y, _ = sim.pose
        assert np.hypot(x - x0, y - y0) > 50             # 100 steps at 30 units/s x 0.03 s = 90 units of path
        assert loop.steps == 100
