import sys

from .train import interrupt

interrupt.install()  # before anything else is imported; main installs it again
from .cli import main  # noqa: E402

sys.exit(main())
