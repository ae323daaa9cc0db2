#!/usr/bin/env python3
"""The peer of the ratings benchmark: the same fit in numpy, vectorised the way a researcher would write it.
Votes are aggregated into a wins matrix with np.add.at, each bootstrap sample redraws the votes with replacement,
and each fit runs Newton's method with the same prior as the app. Reads {"arms", "votes", "bootstrap"} on stdin;
prints {"seconds", "strengths"}: the time of the fit and bootstrap only (not of reading the input)."""
import json
import sys
import time

import numpy as np

data = json.load(sys.stdin)
n, samples = data["arms"], data["bootstrap"]
votes = np.array(data["votes"], dtype=np.int64).reshape(-1, 3)
PRIOR = 0.5


def wins_of(v):
    w = np.zeros((n, n))
    first, second, outcome = v[:, 0], v[:, 1], v[:, 2]
    np.add.at(w, (first[outcome == 0], second[outcome == 0]), 1.0)
    np.add.at(w, (second[outcome == 1], first[outcome == 1]), 1.0)
    ties = outcome == 2
    np.add.at(w, (first[ties], second[ties]), 0.5)
    np.add.at(w, (second[ties], first[ties]), 0.5)
    return w


def fit(w, theta):
    games = w + w.T
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(theta[:, None] - theta[None, :])))
        grad = (w - games * p).sum(axis=1)
        h = games * p * (1 - p)
        hess = np.diag(h.sum(axis=1)) - h
        pa = 1.0 / (1.0 + np.exp(-theta))
        grad += PRIOR - 2 * PRIOR * pa
        hess[np.diag_indices(n)] += 2 * PRIOR * pa * (1 - pa)
        step = np.linalg.solve(hess, grad)
        theta = theta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    return theta - theta.mean()


start = time.perf_counter()
point = fit(wins_of(votes), np.zeros(n))
rng = np.random.default_rng(1)
draws = np.empty((samples, n))
for b in range(samples):
    draws[b] = fit(wins_of(votes[rng.integers(0, len(votes), len(votes))]), point)
lower, upper = np.percentile(draws, [2.5, 97.5], axis=0)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "strengths": point.tolist()}))
