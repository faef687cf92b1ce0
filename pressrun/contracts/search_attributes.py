"""How runs are labelled in Temporal, so operators find and filter them in the Web UI and CLI:
typed search attributes, the memo naming the run, the one-line summary.

Sandbox-safe: imported by workflow code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

SITE_ID = SearchAttributeKey.for_keyword("SiteId")
ACCOUNT_ID = SearchAttributeKey.for_keyword("AccountId")
RUN_STATUS = SearchAttributeKey.for_keyword("RunStatus")
TRIGGER_TYPE = SearchAttributeKey.for_keyword("TriggerType")

ALL_KEYS = (SITE_ID, ACCOUNT_ID, RUN_STATUS, TRIGGER_TYPE)


def run_search_attributes(
    *, site_id: int, account_id: int, trigger_type: str, status: str = "running"
) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [
            SearchAttributePair(SITE_ID, str(site_id)),
            SearchAttributePair(ACCOUNT_ID, str(account_id)),
            SearchAttributePair(RUN_STATUS, status),
            SearchAttributePair(TRIGGER_TYPE, trigger_type),
        ]
    )


@dataclass(frozen=True)
class RunLabels:
    """What every start of a run workflow carries, whoever starts it (API, CLI, launcher)."""

    memo: dict[str, Any]
    search_attributes: TypedSearchAttributes
    static_summary: str


def run_labels(*, run_id: str, site_id: int, account_id: int, trigger_type: str) -> RunLabels:
    return RunLabels(
        # The memo is how a refused start names the run in flight.
        memo={"run_id": run_id},
        search_attributes=run_search_attributes(
            site_id=site_id, account_id=account_id, trigger_type=trigger_type
        ),
        static_summary=f"Automation run {run_id} for site {site_id} ({trigger_type})",
    )


def dev_server_flags() -> list[str]:
    """`--search-attribute` flags that register every key on `temporal server start-dev`."""
    return [flag for key in ALL_KEYS for flag in ("--search-attribute", f"{key.name}=Keyword")]
