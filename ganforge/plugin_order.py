"""Plugins whose order matters, checked when the config is resolved: a wrong order is one line naming both.

Each plugin declares what it does (train/hooks.py): `changes_generator`, `copies_generator`,
`replaces_sampling`, `wraps_sampling`. Setup and sampling run in list order, so:
- a plugin that copies G (ema) must come after every plugin that changes G (multi_generator, or
  spectral_norm with `generator: true`), or its copy lacks the change;
- a plugin that replaces the net samples come from (ema) must come before every plugin that wraps
  it (rejection_sampling), or the wrapper is dropped.
Plugins that need D to score single samples are refused after pacgan when the run is built (pacgan.py).
"""
from __future__ import annotations

from .errors import ConfigError

RULES = (  # (what the earlier plugin does, what the later one does, why the later one must come first)
    ("copies_generator", "changes_generator", "{late} changes the generator, which {early} copies when it is set up"),
    ("wraps_sampling", "replaces_sampling", "{late} replaces the generator samples come from, which would drop "
                                            "{early}'s wrapping of it"),
)


def check_plugin_order(plugins: list[tuple[str, object]]) -> None:
    """(name, built plugin) in list order: a ConfigError at the later of the first two that cannot work in that order."""
    for late_index, (late_name, late) in enumerate(plugins):
        for early_index, (early_name, early) in enumerate(plugins[:late_index]):
            for early_does, late_does, why in RULES:
                if getattr(early, early_does) and getattr(late, late_does):
                    early_words = f"{early_name} (plugins.{early_index})"
                    raise ConfigError(f"plugins.{late_index}", why.format(early=early_words, late=late_name)
                                      + f"; list {late_name} before {early_name}")
