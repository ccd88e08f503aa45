"""ganforge: GAN training that works."""

__version__ = "0.1.0"
