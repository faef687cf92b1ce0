"""Domain errors raised by stages and services; the API and activities each map them once.

The tree (HTTP status as `pressrun.api.errors` answers it):

    PressrunError
    ├── NotFoundError ................... 404  no such site, run or item for this account
    ├── InsufficientCreditsError ........ 402  the run (or a batch's charge) needs more credits
    ├── RunAlreadyActiveError ........... 409  the per-site lock: a run is in flight
    ├── InvalidTransitionError .......... 409  not possible in the current state
    │   ├── UpdateRejectedError                 a workflow's handler refused the update
    │   └── WorkflowNotRunningError             no such workflow is running
    ├── TemporalUnavailableError ........ 503  Temporal (or a worker) did not answer
    │   └── UpdateNotAnsweredError              no worker took the update in time
    ├── AuthenticationError ............. 401  no API key, or an unknown or revoked one
    ├── PermissionDeniedError ........... 403  a valid key without the right to the route
    ├── FieldError ...................... 422  input that failed validation, fields named
    ├── SealingError .................... 503  no secret key set, or a stored secret that no
    │                                          key in PRESSRUN_SECRET_KEYS opens
    └── PublishError (publishing.base)         a delivery to a publisher failed
        ├── PublishRetryableError               retried by the publish workflow
        └── PublishPermanentError               fails the publication at once

AI provider errors (`pressrun.ai.base.AIError`: retryable or per item) are not domain
errors: activities turn them into Temporal retries or failed items.
"""

from __future__ import annotations

from datetime import timedelta
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


class UpdateRejectedError(InvalidTransitionError):
    """The workflow's handler (or its validator) refused the update; nothing changed."""


class UpdateNotAnsweredError(TemporalUnavailableError):
    """No worker took the update within its timeout: the workflow itself may be fine."""

    def __init__(self, timeout: timedelta) -> None:
        self.timeout = timeout
        super().__init__(f"No worker answered within {timeout.total_seconds():g}s.")


class WorkflowNotRunningError(InvalidTransitionError):
    """The server has no such workflow running (it never started, or it has finished)."""

    def __init__(self, rpc_message: str) -> None:
        self.rpc_message = rpc_message
        super().__init__(f"The workflow is not running ({rpc_message}).")


class AuthenticationError(PressrunError):
    """No API key, or one that is unknown or revoked."""


class PermissionDeniedError(PressrunError):
    """A valid key without the right to this route."""


class FieldError(PressrunError):
    """Input that failed validation, with the fields named; nothing was changed."""

    def __init__(self, errors: list[tuple[tuple[str | int, ...], str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in errors))


class SealingError(PressrunError):
    """A stored secret cannot be sealed or opened: no key is configured
    (PRESSRUN_SECRET_KEYS), a key is malformed, or no configured key opens the token."""
