"""The interface every adversarial loss implements."""
from __future__ import annotations

import torch


class AdversarialLoss:
    uses_targets: bool = True  # False: real/fake targets are ignored (label tricks have no effect)
    g_needs_real_logits: bool = False  # True: the G step must also run D on real data (relativistic losses)
    # D's output above which a sample counts as judged real; None where only differences of outputs mean
    # anything (critics, relativistic losses): there a real sample is judged against the fake batch's mean.
    decision_threshold: float | None = 0.0

    def d_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor,
               real_targets: torch.Tensor, fake_targets: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def g_loss(self, fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError
