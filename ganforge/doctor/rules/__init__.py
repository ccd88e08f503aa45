"""The doctor's rules, one failure mode each: `check(history, context) -> Finding | None`."""
from . import d_overfitting, d_overpowering, d_weak, divergence, mode_collapse, off_data, oscillation

# Checked in this order; when two rules fire at the same flush, an error is reported before a warning,
# and between equal severities the first in this order first. The D-balance rules lead divergence: a D
# that cannot learn, or one that has won outright, leaves G's samples off the data, which divergence
# would also report; the cause is the better first finding. off_data names what the samples show whatever D does, and
# yields to the rules in its YIELDS_TO (the doctor drops its finding while one of theirs stands), so it comes after them.
RULES = {module.NAME: module for module in
         (d_weak, d_overpowering, divergence, mode_collapse, off_data, oscillation, d_overfitting)}
