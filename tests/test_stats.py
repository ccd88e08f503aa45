import json
import math

import torch

from ganforge.train.stats import JsonlWriter, StatsBus, read_stats


def test_flush_averages_window_and_clears():
    bus = StatsBus()
    seen = []
    bus.listeners.append(lambda step, means: seen.append((step, means)))
    bus.report("loss/d", 1.0)
    bus.report("loss/d", torch.tensor(3.0))
    bus.report("d/sign", torch.tensor([1.0, -1.0, 1.0, 1.0]))  # a tensor counts as its mean
    assert bus.flush(10) == {"loss/d": 2.0, "d/sign": 0.5}
    assert bus.flush(20) == {}
    assert seen[0][0] == 10


def test_jsonl_keeps_nan_as_valid_json_and_truncates_after_checkpoint(tmp_path):
    writer = JsonlWriter(tmp_path / "stats.jsonl")
    for step in (5, 10, 15):
        writer(step, {"loss/d": float(step)})
    writer(20, {"loss/d": math.nan})
    with writer.path.open("a") as file:
        file.write('{"step": 25, "loss/d"')  # torn line of a killed process
    writer.truncate_after(10)
    records = read_stats(writer.path)
    assert [r["step"] for r in records] == [5, 10]
    json.loads(writer.path.read_text().splitlines()[0])
    writer(20, {"loss/d": math.nan})
    assert read_stats(writer.path)[-1]["loss/d"] == "nan"
