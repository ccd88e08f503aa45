"""`ganforge train --dry-run` rejects what the run rejects (data, nets, plugins, device, run directory) and writes nothing."""
import pytest
import yaml

from ganforge.cli import main
from tests.test_cli_conventions import ganforge_cli

REJECTED = {  # overrides of the quickstart preset the schema accepts but building the run refuses
    "discriminator.dropout=1.5": "error: discriminator.dropout:",  # checked by the net when it is built
    "data.image_size=20": "error: data.image_size:",  # dcgan's sizes
    "plugins=[{name: pacgan, packing: 3}]": "error: train.batch_size:",  # checked in the plugin's setup: 64 % 3 != 0
}


def test_a_dry_run_rejects_a_net_option_the_run_rejects_in_a_subprocess(tmp_path):
    done = ganforge_cli("train", "discriminator.dropout=1.5", "--dry-run", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith(REJECTED["discriminator.dropout=1.5"]) and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # no runs/ folder


@pytest.mark.parametrize("override", sorted(REJECTED))
def test_a_dry_run_rejects_what_the_run_rejects(override, tmp_path, capsys):
    assert main(["train", "--dry-run", override]) == 2
    dry = capsys.readouterr().err
    assert main(["train", override, "--runs-root", str(tmp_path), "--quiet"]) == 2
    real = capsys.readouterr().err
    assert dry.startswith(REJECTED[override]) and dry == real  # the same one-line error as the real run's


def test_a_dry_run_refuses_a_run_directory_that_is_in_use(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["train", "ring", "--dry-run", "--run-dir", str(tmp_path)]) == 2
    assert "run directory exists and is not empty" in capsys.readouterr().err


def test_a_good_dry_run_prints_the_config_and_what_it_built(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "quickstart", "--dry-run", "train.steps=7"]) == 0
    out = capsys.readouterr().out
    assert yaml.safe_load(out)["train"]["steps"] == 7  # still reads back as the resolved config
    assert out.splitlines()[-1].startswith("# checked: data digits (1,797 samples, shape (1, 16, 16))")
    assert list(tmp_path.iterdir()) == []
