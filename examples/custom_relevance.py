#!/usr/bin/env python3
"""Notebook-style example: train the paper's network on the line follower with YOUR OWN relevance signal.

The library computes the paper's road-curvature relevance R = 1 + |k2 - k1| by itself (SPEC §3). Here we
replace it with a user function: R grows with how far the line, seen by the nearest predictor row, sits from
the robot's centre line -- "the road ahead is about to demand a turn". Run from the source tree with:

    PRIMOD_LIB_DIR=build PYTHONPATH=python python3 examples/custom_relevance.py --steps 5000
"""
import argparse

import primod

# %% 1. The world and the robot: the paper track and the paper's sensors (3 rows x 48 predictors).
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=5000, help="step cap")
parser.add_argument("--rate", type=float, default=1e-5, help="P&M learning rate eta")
parser.add_argument("--speed", type=float, default=30.0, help="forward speed, units/s (study preset: 60)")
args = parser.parse_args()

world = primod.World.builtin("paper")
sim = primod.Sim(world)
ROW_LEN = 48


# %% 2. A custom relevance signal: 1 + (offset of the line's centroid in the nearest row, in sensor spacings)/4.
def my_relevance(predictors) -> float:
    row = predictors[:ROW_LEN]                   # row 0, nearest; index 0 = leftmost sensor
    total = sum(row)
    if total <= 1e-9:
        return 1.0                               # the row sees no line: neutral
    centroid = sum(i * v for i, v in enumerate(row)) / total
    return 1.0 + abs(centroid - (ROW_LEN - 1) / 2) / 4


# %% 3. The loop: P&M learning (sign of the back-propagated error), modulated by our R.
loop = primod.Loop(rule="pm", rate=args.rate, speed=args.speed, seed=1)
print("network:", loop.net, "| inputs:", loop.n_inputs, "| rate:", args.rate)

# %% 4. Closed loop: sense -> learn + steer -> move, until success (SPEC §6) or the step cap.
abs_e = 0.0
for n in range(args.steps):
    r = sim.sense()
    out = loop.step(r.error, r.predictors, relevance=my_relevance(r.predictors), line_seen=r.line_seen)
    sim.step(out.left, out.right)
    abs_e += abs(r.error)
    if (n + 1) % 500 == 0:
        print("step %5d  mean|E| (last 500) %.4f  R %.2f  ||W - W0|| %.4g" %
              (n + 1, abs_e / 500, out.relevance, loop.net.weight_distance()))
        abs_e = 0.0
    if out.success:
        break

# %% 5. The result.
ss = loop.success_step
print("success step:", ss if ss is not None else "not reached in %d steps" % loop.steps)
print("error integral: %.4f   mean |E|: %.4f" % (loop.error_integral, loop.mean_abs_error))
print("per-layer weight change:", " ".join("%.3g" % loop.net.weight_distance(k) for k in range(loop.net.n_layers)))
loop.close()
sim.close()
world.close()
