"""The throughput benchmark's CPU smoke run: both loops train the same nets and report a rate each."""
import math

from benchmarks import gpu_throughput


def test_the_throughput_benchmark_runs_small_on_the_cpu():
    [row] = gpu_throughput.main(["--device", "cpu", "--tiny", "--no-write"])
    assert (row["net"], row["size"], row["batch"], row["precision"]) == ("dcgan", 16, 8, "fp32")
    assert row["ganforge"] > 0 and row["tuned"] > 0 and math.isfinite(row["ratio"])
    assert row["low"] <= row["ratio"] <= row["high"]
