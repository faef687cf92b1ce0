"""Domain errors raised by stages and services; the API and activities each map them once."""

from __future__ import annotations

from decimal import Decimal


class PressrunError(Exception):
    """Base of pressrun's own errors."""


class NotFoundError(PressrunError):
    """A site, run or item that does not exist for this account."""


class InsufficientCreditsError(PressrunError):
    def __init__(self, *, required: Decimal, balance: Decimal, what: str = "this run") -> None:
        self.required = required
        self.balance = balance
        super().__init__(
            f"Insufficient credits for {what}: needs {required} (estimate with buffer), "
            f"balance is {balance}"
        )


class RunAlreadyActiveError(PressrunError):
    """A site already has a run in flight: the per-site lock refused a second one."""

    def __init__(self, *, site_id: int, run_id: str | None, workflow_id: str) -> None:
        self.site_id = site_id
        self.run_id = run_id
        self.workflow_id = workflow_id
        super().__init__(
            f"Site {site_id} already has a run in progress: run {run_id or 'unknown'} "
            f"(workflow {workflow_id})"
        )


class TemporalUnavailableError(PressrunError):
    """The Temporal server cannot be reached."""


class InvalidTransitionError(PressrunError):
    """A pause / resume / cancel that does not apply to the run's state."""

    def __init__(self, message: str, *, run_id: str | None = None, status: str | None = None):
        self.run_id = run_id
        self.status = status
        super().__init__(message)


class AuthenticationError(PressrunError):
    """No API key, or one that is unknown or revoked."""


class PermissionDeniedError(PressrunError):
    """A valid key without the right to this route."""


class FieldError(PressrunError):
    """Input that failed validation, with the fields named; nothing was changed."""

    def __init__(self, errors: list[tuple[tuple[str | int, ...], str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in errors))
