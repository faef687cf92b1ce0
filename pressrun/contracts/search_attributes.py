"""Typed search attributes on run workflows, so operators filter runs in the Web UI and CLI.

Sandbox-safe: imported by workflow code.
"""

from __future__ import annotations

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


def dev_server_flags() -> list[str]:
    """`--search-attribute` flags that register every key on `temporal server start-dev`."""
    return [flag for key in ALL_KEYS for flag in ("--search-attribute", f"{key.name}=Keyword")]
