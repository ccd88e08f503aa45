"""Data sources, one file each; `DATA` maps a YAML `data.name` to its source."""
from .registries import DATA  # noqa: F401  (the package's interface)

from . import toy2d, digits, idx, image_folder, arrays, cifar10, stacked  # noqa: E402,F401  (register)
