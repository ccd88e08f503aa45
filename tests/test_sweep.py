"""`ganforge sweep`: spec checks, a tiny sweep on the ring (one trial the doctor prunes), the best config,
the page in headless Chromium, and a sweep stopped by Ctrl-C that then resumes its study."""
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
import yaml

from ganforge.cli import main
from tests.test_report import CHROMIUM, Elements, chromium, console_lines

ROOT = Path(__file__).resolve().parent.parent
FAST = {"train.steps": 60, "train.batch_size": 64, "train.log_every": 10, "train.sample_every": 60,
        "train.checkpoint_every": 60, "train.tensorboard": False, "doctor.sample_every": 20}
BLOWS_UP = {"g": {"lr": 0.1}, "d": {"lr": 0.1}}  # Adam at 0.1: the doctor's divergence error by step ~10
TRAINS = {"g": {"lr": 1.0e-3}, "d": {"lr": 1.0e-3}}


def write_spec(folder: Path, **changes) -> Path:
    spec = {"base": "ring", "overrides": dict(FAST), "space": {"optim": {"choice": [BLOWS_UP, TRAINS]}},
            "objective": {"metric": "reverse_kl", "direction": "minimize", "every": 30, "n": 500},
            "budget": {"trials": 2}, "sampler": {"name": "grid", "seed": 0}, **changes}
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def load_study(sweep_dir: Path) -> optuna.Study:
    return optuna.load_study(study_name="spec", storage=f"sqlite:///{sweep_dir / 'study.db'}")


# --- bad specs: one line naming the field, exit 2, before any trial ---------------------------------------------

@pytest.mark.parametrize("changes, expected", [
    ({"space": {"optim.g.lrate": {"log_uniform": [1e-4, 1e-2]}}}, "error: space.optim.g.lrate: unknown key"),
    ({"space": {"optim.g.lr": {"log_uniform": [1e-2, 1e-4]}}}, "error: space.optim.g.lr.log_uniform: empty range"),
    ({"space": {"optim.n_critic": {"uniform": [1, 5]}}}, "error: space.optim.n_critic: Input should be a valid integer"),
    ({"space": {"loss.name": {"choice": ["nonsaturating", "nosuchloss"]}}}, "error: space.loss.name: "),
    ({"space": {"optim.g.lr": {"between": [1, 2]}}}, "error: space.optim.g.lr: expected one of log_uniform"),
    ({"objective": {"metric": "fidelity", "direction": "minimize", "every": 30}}, "error: objective.metric: expected"),
    ({"objective": {"metric": "fid", "direction": "down", "every": 30}}, "error: objective.direction: expected"),
    ({"budget": {}}, "error: budget: expected trials, cpu_seconds or both"),
    ({"budget": {"trials": 0}}, "error: budget.trials: expected a positive integer"),
    ({"sampler": {"name": "grid"}, "space": {"optim.g.lr": {"log_uniform": [1e-4, 1e-2]}}},
     "error: sampler.name: grid needs every parameter to be a choice"),
    ({"colour": "blue"}, "error: colour: unknown key"),
])
def test_a_bad_spec_is_one_line_naming_the_field(tmp_path, capsys, changes, expected):
    spec = write_spec(tmp_path, **{"sampler": {"name": "random"}, **changes})
    assert main(["sweep", str(spec), "--sweep-dir", str(tmp_path / "sweep")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(expected) and err.count("\n") == 1, err
    assert not (tmp_path / "sweep").exists()  # refused before anything is written


def test_a_missing_spec_file_is_one_line(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "nope.yaml")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'nope.yaml'}: no such sweep spec file\n"


# --- a tiny sweep: one trial blows up and the doctor prunes it, the other completes -----------------------------

@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    sweep_dir = folder / "out"
    assert main(["sweep", str(write_spec(folder)), "--sweep-dir", str(sweep_dir)]) == 0
    return sweep_dir


def test_the_doctor_prunes_the_trial_that_blows_up_and_records_why(swept):
    by_lr = {trial.params["optim"]: trial for trial in load_study(swept).trials}
    blew_up = by_lr['{"g": {"lr": 0.1}, "d": {"lr": 0.1}}']
    assert blew_up.state == optuna.trial.TrialState.PRUNED
    assert blew_up.user_attrs["pruned_by"].startswith("doctor: divergence at step ")
    stopped_at = blew_up.user_attrs["steps"]
    assert stopped_at < FAST["train.steps"]  # stopped long before its 60 steps
    assert Path(blew_up.user_attrs["run_dir"], "config.yaml").is_file()  # an ordinary run directory


def test_the_healthy_trial_completes_with_its_last_periodic_value(swept):
    trial = next(t for t in load_study(swept).trials if t.state == optuna.trial.TrialState.COMPLETE)
    run = Path(trial.user_attrs["run_dir"])
    records = [yaml.safe_load(line) for line in (run / "eval.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [30, 60]
    assert trial.value == records[-1]["metrics"]["reverse_kl"]
    assert trial.intermediate_values == {30: records[0]["metrics"]["reverse_kl"], 60: records[1]["metrics"]["reverse_kl"]}
    assert trial.user_attrs["cpu_seconds"] > 0


def test_results_table_names_state_and_reason(swept):
    lines = (swept / "results.txt").read_text().splitlines()
    assert lines[0].split()[:4] == ["trial", "optim", "reverse_kl", "state"]
    assert sum("pruned" in line and "doctor: divergence" in line for line in lines[1:3]) == 1
    assert sum(" complete " in line for line in lines[1:3]) == 1
    assert lines[-1].startswith("best: trial ")


def test_best_yaml_is_the_best_trials_config_and_trains(swept, tmp_path):
    best = yaml.safe_load((swept / "best.yaml").read_text())
    assert best["optim"]["g"]["lr"] == 1.0e-3 and best["name"] == "spec-best"
    assert main(["train", str(swept / "best.yaml"), "train.steps=2", "--run-dir", str(tmp_path / "run"), "--quiet"]) == 0
    assert (tmp_path / "run" / "checkpoints" / "step-00000002.pt").is_file()


def test_the_page_has_the_curve_the_best_samples_and_both_trials(swept):
    page = Elements((swept / "sweep.html").read_text())
    assert len(page.find("svg", "plot")) == 1
    assert len(page.find("tr", "pruned")) == 1 and len(page.find("tr", "complete")) == 1
    images = [a for t, a, _ in page.elements if t == "img"]
    assert len(images) == 1 and images[0]["src"].startswith("data:image/png;base64,")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_the_page_in_headless_chromium(swept, tmp_path):
    shown = chromium(["--dump-dom"], tmp_path / "profile", (swept / "sweep.html").as_uri())
    assert shown.returncode == 0, shown.stderr[-2000:]
    dom = Elements(shown.stdout)
    assert len(dom.find("svg", "plot")) == 1 and len(dom.find("table", "trials")) == 1
    assert console_lines(shown.stderr) == []


# --- Ctrl-C: exit 130, the study is kept, and the same command goes on --------------------------------------------

def sweep_process(spec: Path, sweep_dir: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ganforge", "sweep", str(spec), "--sweep-dir", str(sweep_dir)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_ctrl_c_stops_the_sweep_and_the_same_command_resumes_it(tmp_path):
    spec = write_spec(tmp_path, space={"optim": {"choice": [TRAINS]}}, budget={"trials": 1},
                      overrides={**FAST, "train.steps": 3000})
    sweep_dir = tmp_path / "out"
    process = sweep_process(spec, sweep_dir)
    stats = sweep_dir / "trials" / "00000" / "stats.jsonl"
    while not stats.exists():
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 130, errors.decode()
    assert "Traceback" not in errors.decode() and "go on with: ganforge sweep" in errors.decode()
    first = load_study(sweep_dir).trials
    assert [(t.state, t.user_attrs["pruned_by"]) for t in first] == [(optuna.trial.TrialState.FAIL, "interrupted")]
    assert first[0].user_attrs["steps"] < 3000

    write_spec(tmp_path, space={"optim": {"choice": [TRAINS]}}, budget={"trials": 1})  # 60 steps: the rerun is short
    again = sweep_process(spec, sweep_dir)
    _, errors = again.communicate(timeout=300)
    assert again.returncode == 0, errors.decode()
    trials = load_study(sweep_dir).trials
    assert [t.state for t in trials] == [optuna.trial.TrialState.FAIL, optuna.trial.TrialState.COMPLETE]
    assert (sweep_dir / "trials" / "00001" / "config.yaml").is_file() and (sweep_dir / "best.yaml").is_file()


# --- pieces, without training ----------------------------------------------------------------------------------

def test_a_plugin_list_choice_reaches_the_config_as_written():
    from ganforge.config import load_config
    from ganforge.sweep.space import override, parse_param

    param = parse_param("plugins", {"choice": [[], [{"name": "ema", "beta": 0.99}]]})
    study = optuna.create_study(sampler=optuna.samplers.GridSampler({"plugins": ["[]", '[{"name": "ema", "beta": 0.99}]']}))
    drawn = [param.suggest(study.ask()) for _ in range(2)]
    assert sorted(map(len, drawn)) == [0, 1]
    config = load_config("ring", [override("plugins", [{"name": "ema", "beta": 0.99}])])
    assert [(p.name, p.model_extra["beta"]) for p in config.plugins] == [("ema", 0.99)]


def test_periodic_values_reach_optunas_pruner_and_its_verdict_is_the_reason(tmp_path):
    from ganforge.sweep.doctor_pruner import TrialPruner
    from ganforge.sweep.objective import parse_objective

    objective = parse_objective({"metric": "reverse_kl", "direction": "minimize", "every": 10})
    study = optuna.create_study(pruner=optuna.pruners.ThresholdPruner(upper=1.5))
    trial = study.ask()
    pruner = TrialPruner(trial, tmp_path, objective, doctor=True)
    (tmp_path / "eval.jsonl").write_text('{"step": 10, "metrics": {"reverse_kl": 1.2}}\n')
    assert pruner.verdict() is None  # 1.2 is under the threshold
    with (tmp_path / "eval.jsonl").open("a") as file:
        file.write('{"step": 20, "metrics": {"reverse_kl": 1.7}}\n')
    assert pruner.verdict() == "optuna: ThresholdPruner at step 20 (reverse_kl 1.7)"
    assert study.trials[0].intermediate_values == {10: 1.2, 20: 1.7}
    (tmp_path / "doctor.jsonl").write_text('{"step": 30, "rule": "mode_collapse", "severity": "warn", "message": "m"}\n'
                                           '{"step": 40, "rule": "oscillation", "severity": "error", "message": "cycles"}\n')
    assert pruner.verdict() == "doctor: oscillation at step 40: cycles"  # a warning never stops a trial; an error does


def finished_study(values: list[float], direction: str = "maximize"):
    study = optuna.create_study(direction=direction)
    for value in values:
        study.tell(study.ask(), value)
    return study


def error_finding(run_path):
    (run_path / "doctor.jsonl").write_text('{"step": 40, "rule": "mode_collapse", "severity": "error", "message": "9/25 modes"}\n')


def test_the_doctor_does_not_stop_the_trial_that_leads_the_study_until_it_falls_behind(tmp_path):
    from ganforge.sweep.doctor_pruner import TrialPruner
    from ganforge.sweep.objective import parse_objective
    from ganforge.sweep.results import stopped_or_kept

    study = finished_study([1.0, 5.0])  # modes of two finished trials: 5 is the study's best
    trial = study.ask()
    pruner = TrialPruner(trial, tmp_path, parse_objective({"metric": "modes", "direction": "maximize", "every": 10}), doctor=True)
    (tmp_path / "eval.jsonl").write_text('{"step": 10, "metrics": {"modes": 11}}\n')
    error_finding(tmp_path)
    assert pruner.verdict() is None  # 11 modes beat 5: stopping it would leave the study a worse best
    assert stopped_or_kept(study.trials[-1]) == "not stopped, leading: doctor: mode_collapse at step 40: 9/25 modes"
    with (tmp_path / "eval.jsonl").open("a") as file:
        file.write('{"step": 20, "metrics": {"modes": 5}}\n')  # a tie no longer leads
    assert pruner.verdict() == "doctor: mode_collapse at step 40: 9/25 modes"


@pytest.mark.parametrize("finished, periodic", [([], '{"step": 10, "metrics": {"fid": 3.0}}\n'),  # nothing finished yet
                                                ([2.0], ""),  # no periodic value yet
                                                ([2.0], '{"step": 10, "metrics": {"fid": 2.5}}\n')])  # behind (minimised)
def test_the_doctor_stops_a_trial_that_does_not_lead(tmp_path, finished, periodic):
    from ganforge.sweep.doctor_pruner import TrialPruner
    from ganforge.sweep.objective import parse_objective

    study = finished_study(finished, "minimize")
    pruner = TrialPruner(study.ask(), tmp_path, parse_objective({"metric": "fid", "direction": "minimize", "every": 10}), doctor=True)
    (tmp_path / "eval.jsonl").write_text(periodic)
    error_finding(tmp_path)
    assert pruner.verdict() == "doctor: mode_collapse at step 40: 9/25 modes"


def test_a_study_with_no_completed_trial_names_its_best_stopped_trial():
    from ganforge.sweep.objective import parse_objective
    from ganforge.sweep.results import best_stopped_trial, summary

    objective = parse_objective({"metric": "fid", "direction": "minimize", "every": 100})
    study = optuna.create_study(direction="minimize")
    for values in ([300.0, 150.0], [120.0], [400.0, 90.0, 95.0]):  # FD at steps 100, 200, ...
        trial = study.ask()
        trial.set_user_attr("pruned_by", f"doctor: divergence at step {100 * len(values) + 10}: m")
        for step, value in enumerate(values, start=1):
            trial.report(value, 100 * step)
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    assert best_stopped_trial(study, objective).number == 2  # its last value, 95, not its best one, 90
    assert summary(study, objective).endswith("best value of a stopped trial: trial 2, fid 95 at step 300 "
                                              "(doctor: divergence at step 310: m)")
    study.tell(study.ask(), 130.0)  # a completed trial is the best, however it compares with stopped ones
    assert summary(study, objective).startswith("best: trial 3, fid 130")
