#!/usr/bin/env python3
"""Independent Bradley-Terry reference for BradleyTerryTests: Newton-Raphson on the log-likelihood (not the MM
iteration the app uses), with the same prior (each arm half a win and half a loss against an anchor of strength 1),
and standard errors from the inverse of the observed information. Reads {"arms": n, "votes": [[i, j, outcome]]}
(outcome 0: i wins, 1: j wins, 2: tie) on stdin; prints {"strengths": [...], "se": [...]} (centred on mean 0)."""
import json
import sys

import numpy as np

data = json.load(sys.stdin)
n = data["arms"]
votes = np.array(data["votes"], dtype=np.int64).reshape(-1, 3)
i, j, outcome = votes[:, 0], votes[:, 1], votes[:, 2]
y = np.where(outcome == 0, 1.0, np.where(outcome == 1, 0.0, 0.5))
PRIOR = 0.5

theta = np.zeros(n)
for _ in range(200):
    p = 1.0 / (1.0 + np.exp(-(theta[i] - theta[j])))
    r = y - p
    grad = np.zeros(n)
    np.add.at(grad, i, r)
    np.add.at(grad, j, -r)
    w = p * (1 - p)
    hess = np.zeros((n, n))
    np.add.at(hess, (i, i), w)
    np.add.at(hess, (j, j), w)
    np.add.at(hess, (i, j), -w)
    np.add.at(hess, (j, i), -w)
    # The anchor games: 2 * PRIOR games against strength 1 (log 0), PRIOR won.
    pa = 1.0 / (1.0 + np.exp(-theta))
    grad += PRIOR - 2 * PRIOR * pa
    hess[np.diag_indices(n)] += 2 * PRIOR * pa * (1 - pa)
    step = np.linalg.solve(hess, grad)
    theta += step
    if np.max(np.abs(step)) < 1e-12:
        break

cov = np.linalg.inv(hess)
centre = np.eye(n) - np.ones((n, n)) / n
cov_centred = centre @ cov @ centre.T
print(json.dumps({"strengths": (theta - theta.mean()).tolist(), "se": np.sqrt(np.diag(cov_centred)).tolist()}))
