"""The training doctor: rules over the stats bus that recognise a failing GAN and say what to change (docs/doctor.md)."""
from .doctor import Doctor, DoctorWriter, diagnose_run  # noqa: F401
from .finding import Advice, Finding  # noqa: F401
