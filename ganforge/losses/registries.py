"""The registry of losses: each module of this package registers its own into it."""
from ..registry import Registry

LOSSES = Registry("loss")
