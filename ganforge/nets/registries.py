"""The registry of generators and discriminators: each module of this package registers its own into it."""
from ..registry import Registry

GENERATORS = Registry("generator", injected=("z_dim", "data_shape", "num_classes"))
DISCRIMINATORS = Registry("discriminator", injected=("data_shape", "num_classes"))
