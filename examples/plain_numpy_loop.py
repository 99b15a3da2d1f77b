"""Use the objectives and oracles from plain Python, and check the engine against a hand loop.

Runs SGD with step eta0/sqrt(t) on the 1-D PL sine objective with Gaussian noise, twice:

1. a hand-written numpy loop that draws each seed's noise from ``adaptopt.rng.Stream`` (the
   same stream the engine gives that seed), and
2. ``adaptopt.run``,

and prints the largest difference between their last iterates (round-off only), then the
same loop with a numpy ``Generator`` (different noise, same statistics).

    python examples/plain_numpy_loop.py
"""

import numpy as np

import adaptopt
from adaptopt import schedules
from adaptopt.rng import Stream
from synthetic import noise, objectives

T, N_SEEDS, ROOT_SEED = 2000, 16, 7


def hand_loop(objective, oracle, schedule, rngs):
    """SGD written from its definition: x_{t+1} = x_t - eta_t g(x_t), one row per seed."""
    x = np.tile(objective.x0, (len(rngs), 1))
    for t in range(1, T + 1):
        eta = schedule(t)
        for i, rng in enumerate(rngs):
            x[i] -= eta * oracle.sample(objective, x[i], rng)
    return x


def main():
    objective = objectives.pl_sine(dim=1)
    oracle = noise.gaussian(sigma=1.0)
    schedule = schedules.inv_sqrt(eta0=1.0 / objective.constants.L.value)

    streams = [Stream(ROOT_SEED, i) for i in range(N_SEEDS)]
    by_hand = hand_loop(objective, oracle, schedule, streams)
    engine = adaptopt.run("sgd", objective, oracle, schedule=schedule, T=T, n_seeds=N_SEEDS, seed=ROOT_SEED)
    gap = np.max(np.abs(by_hand - engine.final_x))
    print(f"max |x_hand - x_engine| over {N_SEEDS} seeds after {T} steps: {gap:.3e}")

    generators = [np.random.default_rng([ROOT_SEED, i]) for i in range(N_SEEDS)]
    other = hand_loop(objective, oracle, schedule, generators)
    f_engine = float(np.mean([objective.value(x) for x in engine.final_x]))
    f_other = float(np.mean([objective.value(x) for x in other]))
    print(f"E f(x_T+1): engine {f_engine:.3e}, numpy Generator noise {f_other:.3e}")
    return gap


if __name__ == "__main__":
    main()
