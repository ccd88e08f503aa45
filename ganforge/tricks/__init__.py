"""Training tricks (label tricks, replay, unrolling, packing, EMA, ...): one plugin per file."""
from . import label_smoothing, noisy_labels, label_flip, replay, ema  # noqa: E402,F401
from . import feature_matching, mode_seeking, unrolled  # noqa: E402,F401
from . import acgan  # noqa: E402,F401
from . import minibatch_stddev, minibatch_discrimination, pacgan, multi_generator  # noqa: E402,F401
from . import lr_decay, beta2_ramp, rejection_sampling, latent_mixture  # noqa: E402,F401
