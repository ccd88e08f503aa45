"""Every plugin: importing this module registers all regularisers and training tricks in `PLUGINS`."""
from .train.hooks import PLUGINS, Plugin  # noqa: F401

from . import regularizers, tricks  # noqa: E402,F401  (register)
