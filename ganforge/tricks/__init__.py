"""Training tricks (label tricks, replay, unrolling, packing, EMA, ...): one plugin per file."""
