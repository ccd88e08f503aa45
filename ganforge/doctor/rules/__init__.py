"""The doctor's rules, one failure mode each: `check(history, context) -> Finding | None`."""
from . import d_overfitting, d_overpowering, d_weak, divergence, mode_collapse, oscillation

# Checked in this order; when two rules fire at the same flush, an error is reported before a warning,
# and between equal severities the first in this order first. The D-balance rules lead divergence: a D
# that cannot learn, or one that has won outright, leaves G's samples off the data, which divergence
# would also report; the cause is the better first finding.
RULES = {module.NAME: module for module in (d_weak, d_overpowering, divergence, mode_collapse, oscillation, d_overfitting)}
