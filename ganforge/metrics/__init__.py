"""Metrics, one file each; `METRICS` maps a name in `eval.metrics` / `ganforge evaluate --metrics` to it."""
from .registries import METRICS  # noqa: F401  (the package's interface)

from . import modes  # noqa: E402,F401  (register)
from . import fid  # noqa: E402,F401  (register)
from . import kid  # noqa: E402,F401  (register)
from . import inception_score  # noqa: E402,F401  (register)
from . import prdc  # noqa: E402,F401  (register)
from . import ndb  # noqa: E402,F401  (register)
from . import stacked_modes  # noqa: E402,F401  (register)
from . import swd  # noqa: E402,F401  (register)
