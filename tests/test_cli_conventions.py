"""CLI conventions through the real entry point (`python -m ganforge` in a subprocess): options and overrides in any
order, --version, resume's messages and config history, doctor's exit code, `list -v` choices, usage errors."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import ganforge
from ganforge.cli import main
from tests.conftest import tiny_ring_raw

ROOT = Path(__file__).resolve().parent.parent


def ganforge_cli(*words, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "ganforge", *map(str, words)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A 4-step tiny ring run, trained with options between the config and its overrides."""
    folder = tmp_path_factory.mktemp("conventions")
    config = folder / "ring.yaml"
    config.write_text(yaml.safe_dump(tiny_ring_raw(checkpoint_every=2, sample_every=2, log_every=2)))
    run = folder / "run"
    done = ganforge_cli("train", config, "--quiet", "--run-dir", run, "train.steps=4", "doctor.enabled=false")
    assert done.returncode == 0, done.stderr
    return run


def test_version_is_the_package_version():
    done = ganforge_cli("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"ganforge {ganforge.__version__}"


def test_train_took_the_override_after_the_options(trained):
    assert yaml.safe_load((trained / "config.yaml").read_text())["train"]["steps"] == 4
    assert (trained / "checkpoints" / "step-00000004.pt").is_file()


def test_resume_says_where_it_goes_keeps_the_config_it_replaces_and_says_when_there_is_nothing_to_do(trained):
    done = ganforge_cli("resume", trained, "--quiet", "train.steps=6")
    assert done.returncode == 0, done.stderr
    assert f"resuming {trained} from step 4 to 6" in done.stdout
    history = sorted((trained / "config-history").iterdir())
    assert [path.name for path in history] == ["00-until-step-00000004.yaml"]
    assert yaml.safe_load(history[0].read_text())["train"]["steps"] == 4  # what trained steps 1-4
    assert yaml.safe_load((trained / "config.yaml").read_text())["train"]["steps"] == 6  # what trains now

    again = ganforge_cli("resume", trained, "--quiet")
    assert again.returncode == 0, again.stderr
    assert "nothing to do" in again.stdout and "step 6" in again.stdout and "train.steps=" in again.stdout
    assert len(list((trained / "config-history").iterdir())) == 1  # an unchanged config adds no history
    assert sorted(p.name for p in (trained / "checkpoints").iterdir())[-1] == "step-00000006.pt"


def test_evaluate_takes_overrides_after_options(trained, capsys):
    assert main(["evaluate", str(trained), "--metrics", "modes", "--n", "200", "--json", "eval.seed=3"]) == 0
    assert json.loads(capsys.readouterr().out)["provenance"]["seed"] == 3


def test_compare_takes_run_directories_after_options(trained, capsys):
    assert main(["compare", str(trained), "--format", "table", str(trained)]) == 0
    assert capsys.readouterr().out.count(trained.name) == 2


def test_an_unknown_option_is_one_line_and_exit_code_2(trained):
    done = ganforge_cli("sample", trained, "--bogus")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ganforge sample: unrecognized arguments: --bogus")


def test_a_stray_word_for_a_command_without_overrides_is_a_usage_error(trained, capsys):
    assert main(["doctor", str(trained), "train.steps=5"]) == 2
    assert capsys.readouterr().err.startswith("error: ganforge doctor: unrecognized arguments: train.steps=5")


def write_run(folder: Path, nan_at: int | None, flushes: int = 40) -> Path:
    """A run directory whose stats.jsonl is a healthy ring trace, with loss/d NaN at flush `nan_at` (if given)."""
    folder.mkdir()
    (folder / "config.yaml").write_text(yaml.safe_dump(tiny_ring_raw(steps=flushes * 10, log_every=10)))
    healthy = {"loss/d": 1.3, "loss/g": 0.85, "d/real": 0.53, "d/fake": 0.47, "d/real_logit": 0.12,
               "d/fake_logit": -0.12, "d/accuracy": 0.6, "d/sign_real": 0.1, "grad/d": 2.0, "grad/g": 2.0}
    records = [{"step": flush * 10, **healthy, **({"loss/d": "nan"} if flush == nan_at else {})}
               for flush in range(1, flushes + 1)]
    (folder / "stats.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
    return folder


def test_doctor_exits_1_while_an_error_finding_stands(tmp_path, capsys):
    standing = write_run(tmp_path / "standing", nan_at=38)  # divergence error 2 flushes before the end
    done = ganforge_cli("doctor", standing)
    assert done.returncode == 1 and "ERROR  divergence" in done.stdout and "still stands" in done.stdout
    assert main(["doctor", str(standing), "--json"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["rule"] for line in lines] == ["divergence"]  # --json prints only the findings

    cleared = write_run(tmp_path / "cleared", nan_at=5)  # then healthy for 35 flushes, more than doctor.window (10)
    assert main(["doctor", str(cleared)]) == 0
    assert "ERROR  divergence" in capsys.readouterr().out  # still reported, but no longer standing
    assert main(["doctor", str(write_run(tmp_path / "healthy", nan_at=None))]) == 0


def test_list_verbose_shows_the_allowed_values_of_a_choice(capsys):
    assert main(["list", "nets", "-v"]) == 0
    listing = capsys.readouterr().out
    assert "norm: one of 'batch', 'layer', 'none' = 'batch'" in listing
    assert "attention: int | None = None" in listing and "NoneType" not in listing and "Literal" not in listing
