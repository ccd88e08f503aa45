"""Regularisers (gradient penalties, clipping, spectral norm, instance noise, ...): one plugin per file."""
