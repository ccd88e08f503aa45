"""Generators and discriminators, one family per file; `GENERATORS` / `DISCRIMINATORS` map YAML names to them.

Contracts (every net obeys them, tests check them for each registered name):
- a generator is built with injected `z_dim`, `data_shape`, `num_classes` plus its YAML options;
  `G(z, y=None) -> x` of shape [N, *data_shape], and `G.sample_latent(n, device)` draws z from
  its own prior (`latent: normal | uniform`).
- a discriminator is built with injected `data_shape`, `num_classes`; `D(x, y=None) -> logits [N]`
  and `D.features(x, y=None) -> [N, F]` (the penultimate activations, for feature matching).
"""
from .registries import GENERATORS, DISCRIMINATORS  # noqa: F401  (the package's interface)

from . import mlp, dcgan, resnet, modern  # noqa: E402,F401  (register)
