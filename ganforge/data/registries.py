"""The registry of data sources: each module of this package registers its own into it."""
from ..registry import Registry

DATA = Registry("data source")
