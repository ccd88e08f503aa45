"""Training: state, plugin hooks, the stats bus, one D/G step, the loop, checkpoints."""
