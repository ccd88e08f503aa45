"""Regularisers (gradient penalties, clipping, spectral norm, instance noise, ...): one plugin per file."""
from . import diffaugment  # noqa: F401
from . import ada  # noqa: F401
from . import dragan  # noqa: F401
from . import instance_noise  # noqa: F401
from . import r1  # noqa: F401
from . import r2  # noqa: F401
from . import spectral_norm  # noqa: F401
from . import weight_clip  # noqa: F401
from . import weight_penalty  # noqa: F401
from . import wgan_gp  # noqa: F401
