"""D's verdicts on real and fake as the rules read them (d/real, d/fake: 0 fake, 1 real, 0.5 undecided).

The training step logs d/real and d/fake as sigmoid(D's output), which is D's probability for the logistic
losses and a monotone reading for hinge. Under least squares (Mao et al. 2017) D regresses its raw output
onto the targets 0 (fake) and 1 (real): the raw output is already on that scale, with its decision at 0.5
(the loss's decision_threshold), and its sigmoid is not a verdict: a D that hits both targets exactly logs
sigmoid 0.73 on real and 0.5 on fake, which reads as "fooled half the time", and one stuck midway (raw 0.5
on both) logs 0.62, which reads as "not at chance". The doctor replaces d/real and d/fake with the raw outputs
(d/real_logit, d/fake_logit) clipped to [0, 1] for those losses.
"""
from __future__ import annotations

RAW_VERDICT_LOSSES = ("lsgan",)


def as_verdicts(means: dict, loss: str) -> dict:
    """`means` with d/real and d/fake on the verdict scale for `loss` (a copy where anything changes)."""
    if loss not in RAW_VERDICT_LOSSES:
        return means
    replaced = dict(means)
    for verdict, raw in (("d/real", "d/real_logit"), ("d/fake", "d/fake_logit")):
        if raw in means:
            replaced[verdict] = min(1.0, max(0.0, float(means[raw])))
    return replaced
