"""`ganforge sweep SPEC.yaml`: hyper-parameter search on Optuna, with the doctor as a pruner (docs/sweep.md).

spec.py reads and checks the spec, space.py turns its search space into Optuna suggestions,
trial_runner.py trains one trial as an ordinary `ganforge train` run directory and watches it,
doctor_pruner.py decides when a trial has failed, results.py writes the table and the best config,
page.py the HTML page, and command.py ties them to one Optuna study.
"""
