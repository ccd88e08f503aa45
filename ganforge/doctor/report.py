"""Findings as text for `ganforge doctor`: a block per finding with pasteable advice, or JSON lines."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from ..errors import GanforgeError
from ..safe_yaml import read_yaml_file
from .finding import Advice, Finding


def format_findings(findings: list[Finding], as_json: bool, run_dir: Path) -> str:
    if as_json:
        return "".join(json.dumps(finding.to_json()) + "\n" for finding in findings)
    if not findings:
        return f"{run_dir}: healthy; no findings.\n"
    plugins = current_plugins(run_dir)
    return "\n".join(format_block(finding, plugins) for finding in findings)


def format_block(finding: Finding, plugins: list[dict]) -> str:
    evidence = ", ".join(f"{name} {value:.3g}" if isinstance(value, float) else f"{name} {value}"
                         for name, value in finding.evidence.items())
    lines = [f"step {finding.step}  {finding.severity.upper()}  {finding.rule}", f"  {finding.message}",
             f"  evidence: {evidence}"]
    if finding.advice:
        lines.append("  try (best first; paste as overrides to `ganforge train`):")
        lines += [f"    {i}. {pasteable(item, plugins)}\n       {item.why}{'' if item.hot else ' [needs a fresh start]'}"
                  for i, item in enumerate(finding.advice, 1)]
    return "\n".join(lines) + "\n"


def pasteable(item: Advice, plugins: list[dict]) -> str:
    """An override; a plugin becomes `plugins=[...]`: the run's plugins plus the new one, as YAML flow."""
    if item.override is not None:
        return item.override
    flow = yaml.safe_dump([*plugins, item.plugin], default_flow_style=True, width=10_000).strip()
    return f"'plugins={flow}'"


def current_plugins(run_dir: Path) -> list[dict]:
    try:
        config = read_yaml_file(run_dir / "config.yaml")
        return list(config.get("plugins") or [])
    except (GanforgeError, AttributeError, TypeError):
        return []
