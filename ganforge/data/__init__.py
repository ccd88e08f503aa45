"""Data sources, one file each; `DATA` maps a YAML `data.name` to its source."""
from ..registry import Registry

DATA = Registry("data source")

from . import toy2d, digits, idx, image_folder, arrays, cifar10, stacked  # noqa: E402,F401  (register)
