"""The registry of metrics: each module of this package registers its own into it."""
from ..registry import Registry

METRICS = Registry("metric", injected=("context",))
