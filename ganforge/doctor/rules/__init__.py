"""The doctor's rules, one failure mode each: `check(history, context) -> Finding | None`."""
from . import d_overfitting, d_overpowering, d_weak, divergence, mode_collapse, oscillation

RULES = {module.NAME: module for module in (divergence, d_overpowering, d_weak, mode_collapse, oscillation, d_overfitting)}
