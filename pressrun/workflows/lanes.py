"""What parallel batches of one stage hold back for each other, so its limits stay exact.

A batch reserves its items against the per-run limit and its share of the unspent budget
before it starts, and gives back what it reserved when it ends (it may have used less).
Plain arithmetic on workflow state: deterministic, sandbox-safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from pressrun.contracts.run import StagePlan, StageProgress


@dataclass
class Reservations:
    lanes: int
    items: int = 0
    budget: Decimal = Decimal("0")
    in_flight: int = 0
    finished: int = 0

    def items_left(self, plan: StagePlan, progress: StageProgress) -> int | None:
        """Items the per-run limit still allows a new batch, or None with no limit."""
        if plan.per_run_limit <= 0:
            return None
        return plan.per_run_limit - progress.processed - self.items

    def free_budget(self, budget: Decimal, progress: StageProgress) -> Decimal:
        return budget - progress.credits_used - self.budget

    def share(self, free: Decimal) -> Decimal:
        """An even share of the free budget among the lanes not yet in flight."""
        return (max(free, Decimal(0)) / (self.lanes - self.in_flight)).quantize(
            Decimal("0.01"), ROUND_DOWN
        )

    def take(self, items: int, budget: Decimal | None) -> None:
        self.items += items
        self.budget += budget or 0
        self.in_flight += 1

    def give_back(self, items: int, budget: Decimal | None) -> None:
        self.items -= items
        self.budget -= budget or 0
        self.in_flight -= 1
        self.finished += 1
