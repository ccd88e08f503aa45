"""Building G and D from the config: the one place that does it, for the run and for plugins that rebuild a net."""
from __future__ import annotations

import torch

from ..config_schema import Config
from ..data.source import DataSource
from ..nets import DISCRIMINATORS, GENERATORS


def build_generator(config: Config, data: DataSource, device: torch.device) -> torch.nn.Module:
    """A generator from `generator:` for the data's shape and classes, on `device`, fresh initial weights."""
    G = GENERATORS.build(config.generator.model_dump(), field="generator", z_dim=config.z_dim,
                         data_shape=data.shape, num_classes=data.num_classes)
    return _placed(G.to(device), config, data)


def build_discriminator(config: Config, data: DataSource, device: torch.device,
                        input_shape: tuple[int, ...] | None = None) -> torch.nn.Module:
    """A discriminator from `discriminator:` for inputs of `input_shape` (default: one sample of the data), on `device`."""
    D = DISCRIMINATORS.build(config.discriminator.model_dump(), field="discriminator",
                             data_shape=input_shape or data.shape, num_classes=data.num_classes)
    return _placed(D.to(device), config, data)


def _placed(net: torch.nn.Module, config: Config, data: DataSource) -> torch.nn.Module:
    """channels_last memory layout for image nets when `train.channels_last` asks for it."""
    if config.train.channels_last and data.is_image:
        return net.to(memory_format=torch.channels_last)
    return net
