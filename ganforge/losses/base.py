"""The interface every adversarial loss implements."""
from __future__ import annotations

import torch


class AdversarialLoss:
    uses_targets: bool = True  # False: real/fake targets are ignored (label tricks have no effect)
    g_needs_real_logits: bool = False  # True: the G step must also run D on real data (relativistic losses)
    # D's output above which a sample counts as judged real; None where only differences of outputs mean
    # anything (critics, relativistic losses): there a real sample is judged against the fake batch's mean.
    decision_threshold: float | None = 0.0

    @property
    def decision_point(self) -> float:
        """Where D's statistics split its outputs into "judged real" and "judged fake": the decision threshold, or 0
        for the losses without one (a critic's or relativistic D's scores, whose sign is all there is to read)."""
        return 0.0 if self.decision_threshold is None else self.decision_threshold

    def d_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor,
               real_targets: torch.Tensor, fake_targets: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def g_loss(self, fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError
