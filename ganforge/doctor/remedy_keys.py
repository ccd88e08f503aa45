"""The `state.extras` keys through which the training loop, the live doctor and auto-remedy (remedy.py) talk.

The loop sets ACTIVE and stops when REQUEST appears; the live doctor sets REQUEST (and CAUSE) on an
error finding while ACTIVE is true; remedy.py reads both after the loop returns. None of the three
imports another for this.
"""
REQUEST = "remedy_finding"  # the error finding the live doctor asks to remedy
CAUSE = "remedy_cause"  # the first-reported finding still standing then (live.first_symptom)
ACTIVE = "auto_remedy"  # doctor.auto is on and remedies have not been given up
