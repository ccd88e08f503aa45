"""Data-parallel training on CPU: 2 gloo ranks on 127.0.0.1 against one process with the same global batch."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.train import distributed, loop
from ganforge.train.checkpoint import latest_checkpoint, read_checkpoint
from ganforge.train.loop import train
from ganforge.train.objectives import require_every_gradient
from ganforge.train.run_dir import RunDir
from ganforge.train.state import build_state
from ganforge.train.stats import read_stats
from tests.conftest import tiny_digits_raw, tiny_ring_raw

REPO = Path(__file__).resolve().parents[1]
WORLD = 2
RING = tiny_ring_raw(steps=4, batch_size=16, sample_every=4, checkpoint_every=4, log_every=2)  # no batch norm, no dropout
DIGITS_R1 = {**tiny_digits_raw(steps=2, batch_size=8, sample_every=2, checkpoint_every=2, log_every=2),
             "plugins": [{"name": "r1", "gamma": 1.0}]}  # batch norm and a double-backward penalty
DROPOUT = {**RING, "discriminator": {**RING["discriminator"], "dropout": 0.3}}  # per-rank random masks
# plugins that change what one step is (several D calls, double backward, look-ahead copies, extra nets and heads)
PLUGIN_RUNS = {
    "penalised": {**RING, "plugins": [{"name": "spectral_norm"}, {"name": "r1", "gamma": 1.0}]},  # deterministic
    "wgan_gp": {**RING, "loss": {"name": "wasserstein"}, "optim": {"n_critic": 2},
                "plugins": [{"name": "wgan_gp", "weight": 10.0}]},
    "unrolled": {**RING, "plugins": [{"name": "unrolled", "steps": 2}]},
    "multi_generator": {**RING, "plugins": [{"name": "multi_generator", "generators": 2}, {"name": "ema"}]},
    "evaluated": {**RING, "eval": {"every": 4, "metrics": ["modes"], "n": 501}},  # 501: ranks share unevenly
    "replay_pacgan": {**RING, "plugins": [{"name": "replay"}, {"name": "pacgan", "packing": 2},
                                          {"name": "minibatch_stddev"}]},
}


def with_steps(raw, steps):
    return {**raw, "train": {**raw["train"], "steps": steps}}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def net_tensors(state):
    """G's and D's parameters and buffers, by name, on the CPU."""
    return {f"{net}.{name}": tensor.detach().cpu().clone()
            for net, module in (("G", state.G), ("D", state.D))
            for name, tensor in [*module.named_parameters(), *module.named_buffers()]}


def run_rank(folder: Path) -> None:
    """One rank under torchrun (this file run as a script): the training runs, then an all-gather; results to rank<r>.pt."""
    torch.set_num_threads(1)
    distributed.setup(torch.device("cpu"))  # joined here, so every run shares one process group
    rank = distributed.rank()
    wrappers = []  # what each run trained through, seen just before train releases it
    release = loop.release_data_parallel
    loop.release_data_parallel = lambda state: (
        wrappers.append([type(state.d_objective).__name__, type(state.g_objective).__name__]), release(state))
    ring = train(validate(RING), RunDir(folder / "ring2"), quiet=True)
    digits = train(validate(DIGITS_R1), RunDir(folder / "digits2"), quiet=True)
    straight = train(validate(with_steps(DROPOUT, 6)), RunDir(folder / "dropout-straight"), quiet=True)
    train(validate(DROPOUT), RunDir(folder / "dropout-halves"), quiet=True)
    resumed = train(validate(with_steps(DROPOUT, 6)), RunDir(folder / "dropout-halves"), resume=True, quiet=True)
    plugin_runs = {name: train(validate(raw), RunDir(folder / name), quiet=True) for name, raw in PLUGIN_RUNS.items()}
    gathered = distributed.all_gather_samples(torch.full((2, 3), float(rank)))
    distributed.teardown()
    torch.save({"ring": net_tensors(ring), "digits": net_tensors(digits), "gathered": gathered,
                "straight": net_tensors(straight), "resumed": net_tensors(resumed),
                "wrappers": wrappers[0], "released": [ring.d_objective, ring.g_objective] == [None, None],
                "plugins": {name: net_tensors(state) for name, state in plugin_runs.items()}}, folder / f"rank{rank}.pt")


def torchrun(arguments: list[str], timeout: int = 240) -> subprocess.CompletedProcess:
    """`python -m torch.distributed.run --nproc_per_node=2 ARGUMENTS` on 127.0.0.1 and a free port."""
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "MASTER_ADDR": "127.0.0.1", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={WORLD}", "--master_addr=127.0.0.1",
               f"--master_port={free_port()}", *arguments]
    finished = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-3000:]
    return finished


@pytest.fixture(scope="module")
def two_rank_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ddp")
    for name in ("ring2", "digits2", "dropout-straight", "dropout-halves", *PLUGIN_RUNS):
        RunDir.create(path=folder / name)
    torchrun([__file__, str(folder)])
    return folder, [torch.load(folder / f"rank{r}.pt") for r in range(WORLD)]


def single_process(tmp_path, raw, name):
    run = RunDir.create(path=tmp_path / name)
    return train(validate(raw), run, quiet=True), run


def test_ranks_end_with_identical_nets(two_rank_run):
    _, (rank0, rank1) = two_rank_run
    for run in ("ring", "digits"):  # gradients averaged in one all-reduce: every rank takes the same optimiser step
        assert rank0[run].keys() == rank1[run].keys()
        for name, tensor in rank0[run].items():
            assert torch.isfinite(tensor).all(), name
            assert torch.equal(tensor, rank1[run][name]), name


def test_each_nets_step_loss_is_wrapped_in_distributed_data_parallel(two_rank_run):
    _, ranks = two_rank_run
    for result in ranks:
        assert result["wrappers"] == ["DistributedDataParallel", "DistributedDataParallel"]
        assert result["released"]  # dropped before the process group is left (objectives.release_data_parallel)


@pytest.mark.parametrize("name", sorted(PLUGIN_RUNS))
def test_ranks_stay_identical_with_plugins_that_reshape_the_step(two_rank_run, name):
    _, (rank0, rank1) = two_rank_run
    initial = net_tensors(build_state(validate(PLUGIN_RUNS[name])))
    assert rank0["plugins"][name].keys() == initial.keys()
    assert max((rank0["plugins"][name][key] - initial[key]).abs().max() for key in initial) > 1e-4  # trained
    for key, tensor in rank0["plugins"][name].items():
        assert torch.isfinite(tensor).all(), key
        assert torch.equal(tensor, rank1["plugins"][name][key]), key


def test_double_backward_penalty_under_ddp_equals_one_process(two_rank_run, tmp_path):
    _, (rank0, _) = two_rank_run  # r1's autograd.grad runs inside DDP's forward; its gradient is averaged in the backward
    single, _ = single_process(tmp_path, PLUGIN_RUNS["penalised"], "penalised")
    reference = net_tensors(single)
    for key, tensor in rank0["plugins"]["penalised"].items():
        torch.testing.assert_close(tensor, reference[key], rtol=0, atol=1e-5)


def test_periodic_evaluation_gathers_every_ranks_samples(two_rank_run, tmp_path):
    folder, _ = two_rank_run  # each rank generates its share of the fixed evaluation latents; rank 0 scores all of them
    _, run = single_process(tmp_path, PLUGIN_RUNS["evaluated"], "evaluated")
    (ours,), (theirs,) = ([json.loads(line) for line in (path / "eval.jsonl").read_text().splitlines()]
                          for path in (folder / "evaluated", run.path))
    assert ours["step"] == theirs["step"] == 4 and ours["provenance"]["n_generated"] == 501
    assert ours["metrics"]["modes"] == theirs["metrics"]["modes"]
    assert ours["metrics"]["high_quality"] == pytest.approx(theirs["metrics"]["high_quality"], abs=2 / 501)


def test_a_parameter_left_without_gradient_under_ddp_is_named():
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
    net(torch.ones(1, 2)).sum().backward()
    require_every_gradient(net, "D")  # every parameter has its gradient: silent
    net[1].bias.grad = None
    with pytest.raises(ConfigError, match=r"plugins: .*every parameter of D .* gave none to 1\.bias"):
        require_every_gradient(net, "D")


def test_two_ranks_equal_one_process_with_the_same_global_batch(two_rank_run, tmp_path):
    folder, (rank0, _) = two_rank_run
    single, run = single_process(tmp_path, RING, "single")
    reference, initial = net_tensors(single), net_tensors(build_state(validate(RING)))
    assert max((reference[name] - initial[name]).abs().max() for name in initial) > 1e-4  # 4 steps moved the nets
    for name, tensor in rank0["ring"].items():
        torch.testing.assert_close(tensor, reference[name], rtol=0, atol=1e-5)
    # each stat is the mean over ranks of equal halves of the batch, so it is the whole batch's mean
    distributed_stats, single_stats = read_stats(folder / "ring2" / "stats.jsonl"), read_stats(run.stats)
    assert [r["step"] for r in distributed_stats] == [r["step"] for r in single_stats] == [2, 4]
    for ours, theirs in zip(distributed_stats, single_stats):
        for name in ("loss/d", "loss/g", "d/real", "d/fake", "grad/d", "grad/g"):
            assert ours[name] == pytest.approx(theirs[name], abs=1e-5), name


def test_rank_zero_alone_writes_the_run(two_rank_run):
    folder, _ = two_rank_run
    assert [p.name for p in (folder / "ring2" / "checkpoints").iterdir()] == ["step-00000004.pt"]
    assert [p.name for p in (folder / "ring2" / "samples").iterdir()] == ["step-00000004.png"]
    assert len(read_stats(folder / "ring2" / "stats.jsonl")) == 2  # one record per flush, not one per rank


def test_two_rank_resume_equals_uninterrupted_two_rank_run_bitwise(two_rank_run):
    _, ranks = two_rank_run  # with dropout: each rank's own stream is re-derived from (seed, rank, step)
    for result in ranks:
        assert result["resumed"].keys() == result["straight"].keys()
        for name, tensor in result["straight"].items():
            assert torch.equal(result["resumed"][name], tensor), name


def test_all_gather_samples_concatenates_in_rank_order(two_rank_run):
    _, ranks = two_rank_run
    expected = torch.tensor([0.0, 0.0, 1.0, 1.0]).unsqueeze(1).expand(4, 3)
    for result in ranks:
        assert torch.equal(result["gathered"], expected)


def test_two_rank_checkpoint_resumes_in_one_process(two_rank_run, tmp_path):
    folder, _ = two_rank_run
    run = RunDir(tmp_path / "moved")
    subprocess.run(["cp", "-r", str(folder / "ring2"), str(run.path)], check=True)
    resumed = train(validate(with_steps(RING, 6)), run, resume=True, quiet=True)
    straight, _ = single_process(tmp_path, with_steps(RING, 6), "straight")
    assert resumed.step == 6
    # the checkpoint's RNG is the shared latent stream, so one process continues with the latents both ranks would have used
    reference = net_tensors(straight)
    for name, tensor in net_tensors(resumed).items():
        torch.testing.assert_close(tensor, reference[name], rtol=0, atol=1e-5)


def test_one_process_checkpoint_resumes_on_two_ranks_through_torchrun(tmp_path):
    _, run = single_process(tmp_path, RING, "grown")
    finished = torchrun(["-m", "ganforge", "resume", str(run.path), "train.steps=6", "--quiet"])
    assert finished.stdout.count("done:") == 1  # rank 0 alone reports
    checkpoint = read_checkpoint(latest_checkpoint(run.checkpoints))
    assert checkpoint["step"] == 6
    assert checkpoint["batches_drawn"] == 6  # n_critic 1: one global batch per step, whatever the world size
    straight, _ = single_process(tmp_path, with_steps(RING, 6), "straight")
    for name, tensor in straight.G.state_dict().items():
        torch.testing.assert_close(checkpoint["generator"][name], tensor, rtol=0, atol=1e-5)


def test_global_batch_must_split_evenly_over_ranks(monkeypatch):
    monkeypatch.setattr(distributed, "world_size", lambda: 3)
    with pytest.raises(ConfigError, match=r"train\.batch_size: 32 is not divisible by the 3 processes"):
        distributed.per_rank_batch_size(32)
    assert distributed.per_rank_batch_size(33) == 11


def test_each_rank_takes_its_own_gpu_counted_from_the_index_given(monkeypatch):
    monkeypatch.setattr(distributed, "is_distributed", lambda: True)
    monkeypatch.setattr(distributed, "world_size", lambda: 4)
    monkeypatch.setenv("LOCAL_RANK", "3")
    assert distributed.rank_device(torch.device("cuda"), gpu_count=8) == torch.device("cuda", 3)
    assert distributed.rank_device(torch.device("cuda", 0), gpu_count=8) == torch.device("cuda", 3)
    assert distributed.rank_device(torch.device("cuda", 4), gpu_count=8) == torch.device("cuda", 7)  # the second block
    assert distributed.rank_device(torch.device("cpu"), gpu_count=8) == torch.device("cpu")
    with pytest.raises(ConfigError, match=r"^train\.device: cuda:5 under torchrun puts local rank 3 on GPU 8, but this "
                                          r"machine has 8 \(cuda:0 to cuda:7\)"):
        distributed.rank_device(torch.device("cuda", 5), gpu_count=8)
    monkeypatch.setattr(distributed, "is_distributed", lambda: False)
    assert distributed.rank_device(torch.device("cuda", 5), gpu_count=8) == torch.device("cuda", 5)  # one process: as given


def test_helpers_are_identity_in_a_single_process():
    z = torch.randn(6, 2)
    assert distributed.rank_rows(z) is z and distributed.all_gather_samples(z) is z
    assert distributed.world_size() == 1 and distributed.is_main() and not distributed.any_rank(False)


if __name__ == "__main__":
    run_rank(Path(sys.argv[1]))
