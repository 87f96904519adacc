"""Is the error budget sound, and how sharp is it? Measured, not argued.

* :mod:`.variants`: two more correct implementations, written independently of handprop
  (another summation order; float32 arithmetic with float64 accumulation);
* :mod:`.sweep`: correct implementations (handprop, torch, jax, the variants) judged
  against the truth on gate problems and on a sweep of large ones; the largest budget
  ratio any of them reaches must stay below 0.5;
* :mod:`.power`: the budget's power on deep and wide nets, against the targets of
  docs/error-budget.md.

``crosscheck soundness`` runs both and writes ``reports/soundness.{md,json}``.
"""
