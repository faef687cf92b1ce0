"""The dashboard end to end: headless Chromium on the pages `pressrun dev` serves, driving real
runs through the API, the worker and Temporal. Each test saves screenshots of its pages."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, Route, expect

from pressrun.services.keywords import demo_keywords
from tests.browser.conftest import (
    OpenDashboard,
    Stack,
    free_port,
    pressrun_binary,
    screenshot,
    stop_process,
)

FAST = {"within_stage_delay": 0, "between_stage_delay": 0}


def controls(page: Page) -> dict[str, Locator]:
    return {
        name: page.get_by_role("button", name=label, exact=True)
        for name, label in (
            ("run", "Run now"),
            ("pause", "Pause"),
            ("resume", "Resume"),
            ("cancel", "Cancel"),
        )
    }


def run_badge(page: Page) -> Locator:
    return page.locator(".run-state .badge")


def verdict(page: Page) -> Locator:
    return page.locator(".controls .verdict")


def test_pages_and_assets_are_served(stack: Stack) -> None:
    site = stack.api().site("Served site", keywords=0)
    for path in (
        "/",
        "/automation",
        "/automation/overview",
        "/automation/runs/abc",
        f"/sites/{site}/settings",
        f"/sites/{site}/content",
    ):
        response = httpx.get(f"{stack.base_url}{path}")
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert '<script type="module" src="/assets/js/main.js">' in response.text
    script = httpx.get(f"{stack.base_url}/assets/js/main.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert httpx.get(f"{stack.base_url}/assets/js/missing.js").status_code == 404
    assert httpx.get(f"{stack.base_url}/assets/%2e%2e/routes.py").status_code == 404


def test_sign_in_offers_the_demo_key(stack: Stack, open_dashboard: OpenDashboard) -> None:
    stack.api().site("First site", keywords=0)
    page = open_dashboard()
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in to pressrun")).to_be_visible()
    key = page.get_by_label("API key", exact=True)
    key.fill("pr_not_a_real_key")
    page.get_by_role("button", name="Sign in").click()
    expect(key).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("This key was refused")).to_be_visible()
    screenshot(page, "sign-in")

    page.get_by_role("button", name="Use the demo account\u2019s key").click()
    expect(page.get_by_role("heading", name="Automation", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/automation\?site=\d+$"))
    expect(page.locator(".account-name")).to_have_text("Demo account")
    # The key is kept: a reload stays signed in.
    page.reload()
    expect(page.get_by_role("heading", name="Automation", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to pressrun")).to_be_visible()


def test_run_now_progress_and_log_advance_to_completion(
    stack: Stack, open_dashboard: OpenDashboard
) -> None:
    api = stack.api()
    site = api.site("Run site", keywords=6, max_tasks_per_run=2, **FAST)
    page = open_dashboard(api.key)
    page.goto(f"/automation?site={site}")
    bar = page.get_by_role("progressbar", name="Run progress")
    log = page.get_by_role("log", name="Activity log").locator("li")
    buttons = controls(page)
    expect(page.get_by_text("No run yet for this site")).to_be_visible()
    expect(page.locator(".estimate")).to_contain_text("credits")
    expect(page.locator('.stage-card[data-stage="1"] .pending')).to_have_text("6 pending")
    expect(buttons["pause"]).to_be_disabled()
    expect(buttons["resume"]).to_be_disabled()
    expect(buttons["cancel"]).to_be_disabled()

    buttons["run"].click()
    expect(verdict(page)).to_contain_text("Run started.")
    values: list[int] = []
    log_sizes: list[int] = []
    processing_seen = False
    deadline = time.monotonic() + 90
    while True:
        values.append(int(bar.get_attribute("aria-valuenow") or 0))
        log_sizes.append(log.count())
        if not processing_seen and page.locator(".processing[data-stage]").count():
            processing_seen = True
            expect(buttons["run"]).to_be_disabled()
            screenshot(page, "automation-running")
        if page.locator(".run-line .badge").inner_text() == "Completed":
            break
        if time.monotonic() > deadline:
            on_server = api.call(
                "GET", "/api/v1/automation/run_progress/", params={"site_id": site}
            )
            raise AssertionError(
                f"the page never showed the run completed: progress {values[-5:]}, "
                f"log {log_sizes[-1]}, on the server {on_server['run']}"
            )
        time.sleep(0.1)

    assert processing_seen, "the processing card never showed the stage being processed"
    assert any(0 < value < 100 for value in values), values
    expect(bar).to_have_attribute("aria-valuenow", "100")
    assert len(set(log_sizes)) >= 3, "the log did not advance while the run ran"
    expect(log.last).to_contain_text("Run completed")
    expect(run_badge(page)).to_have_text("Idle")
    expect(buttons["run"]).to_be_enabled()
    expect(page.locator('.stage-card[data-stage="1"] .pending')).to_have_text("0 pending")
    expect(page.get_by_text("Nothing is being processed.")).to_be_visible()
    screenshot(page, "automation-completed")

    for name, options in (
        ("automation-dark", {"color_scheme": "dark"}),
        ("automation-phone", {"viewport": {"width": 390, "height": 844}, "is_mobile": True}),
    ):
        other = open_dashboard(api.key, **options)
        other.goto(f"/automation?site={site}")
        expect(other.get_by_role("progressbar", name="Run progress")).to_have_attribute(
            "aria-valuenow", "100"
        )
        screenshot(other, name)


def test_pause_resume_and_cancel_from_the_page(stack: Stack, open_dashboard: OpenDashboard) -> None:
    api = stack.api()
    # Twelve keywords two a batch, a second between batches: time to act mid-run.
    site = api.site(
        "Control site",
        keywords=12,
        stage_1_batch_size=2,
        within_stage_delay=1,
        between_stage_delay=0,
    )
    page = open_dashboard(api.key)
    page.goto(f"/automation?site={site}")
    buttons = controls(page)
    expect(buttons["run"]).to_be_enabled()

    # A second tab that hears nothing more from the API after loading: its Run now meets the
    # run this tab starts, and shows the API's verdict.
    stale = open_dashboard(api.key)
    cut_off = {"on": False}

    def maybe_block(route: Route) -> None:
        if cut_off["on"] or "/events/" in route.request.url:
            route.abort()
        else:
            route.continue_()

    stale.route("**/api/v1/automation/**", maybe_block)
    stale.goto(f"/automation?site={site}")
    expect(controls(stale)["run"]).to_be_enabled()
    cut_off["on"] = True

    buttons["run"].click()
    expect(run_badge(page)).to_have_text("Running")
    expect(buttons["run"]).to_be_disabled()

    stale.route("**/api/v1/automation/run_now/**", lambda route: route.continue_())
    controls(stale)["run"].click()
    expect(verdict(stale)).to_contain_text("Already running")
    expect(verdict(stale).get_by_role("link", name="Open the run")).to_be_visible()

    buttons["pause"].click()
    expect(verdict(page)).to_contain_text("Pause requested")
    expect(run_badge(page)).to_have_text("Paused")
    expect(buttons["pause"]).to_be_disabled()
    expect(buttons["resume"]).to_be_enabled()
    expect(page.locator(".processing")).to_contain_text("Paused after")
    screenshot(page, "automation-paused")
    paused_at = page.get_by_role("progressbar", name="Run progress").get_attribute("aria-valuenow")
    time.sleep(1.5)
    # Nothing advances while paused.
    expect(page.get_by_role("progressbar", name="Run progress")).to_have_attribute(
        "aria-valuenow", paused_at or "0"
    )

    buttons["resume"].click()
    expect(verdict(page)).to_contain_text("Resumed")
    expect(run_badge(page)).to_have_text("Running")
    expect(buttons["pause"]).to_be_enabled()

    buttons["cancel"].click()
    expect(verdict(page)).to_contain_text("Cancel requested")
    expect(page.locator(".run-line .badge")).to_have_text("Cancelled")
    expect(run_badge(page)).to_have_text("Idle")
    expect(buttons["run"]).to_be_enabled()
    expect(buttons["cancel"]).to_be_disabled()
    expect(page.get_by_role("log", name="Activity log").locator("li").last).to_contain_text(
        "cancelled"
    )
    history = api.call("GET", "/api/v1/automation/history/", params={"site_id": site})
    assert [run["status"] for run in history["items"]] == ["cancelled"]
    assert history["items"][0]["paused_at"] is not None


def test_short_of_credits_the_page_shows_the_estimate(
    stack: Stack, open_dashboard: OpenDashboard
) -> None:
    poor = stack.new_account("Small account", credits=1)
    site = poor.site("Small site", keywords=5, **FAST)
    page = open_dashboard(poor.key)
    page.goto(f"/automation?site={site}")
    expect(page.locator(".estimate")).to_contain_text("Not enough credits for a run now")
    controls(page)["run"].click()
    expected = poor.call("GET", "/api/v1/automation/estimate/", params={"site_id": site})
    expect(verdict(page)).to_contain_text("Not enough credits: this run needs")
    required = f"{expected['required']:,.2f}".rstrip("0").rstrip(".")
    expect(verdict(page)).to_contain_text(f"needs {required} credits")
    expect(verdict(page)).to_contain_text("the balance is 1")
    expect(run_badge(page)).to_have_text("Idle")

    # The page shows this account's sites only; another account's site is not found.
    expect(page.locator("#site-select option")).to_have_count(1)
    demo_site = stack.api().site("Not yours", keywords=0)
    page.goto(f"/sites/{demo_site}/settings")
    expect(page.get_by_role("heading", name="Site not found")).to_be_visible()


def test_settings_saved_reloaded_and_field_errors(
    stack: Stack, open_dashboard: OpenDashboard
) -> None:
    api = stack.api()
    site = api.site("Settings site", keywords=0)
    page = open_dashboard(api.key)
    page.goto(f"/sites/{site}/settings")
    expect(page.get_by_role("heading", name="Automation settings")).to_be_visible()
    days = page.get_by_role("group", name="Days (weekly runs)")
    publish_days = page.get_by_role("group", name="Publishing days")

    page.get_by_label("Run automatically on a schedule", exact=True).check()
    page.get_by_label("Frequency", exact=True).select_option("weekly")
    days.get_by_label("Mon", exact=True).uncheck()
    days.get_by_label("Tue", exact=True).check()
    days.get_by_label("Thu", exact=True).check()
    page.get_by_label("Hour", exact=True).select_option("3")
    page.get_by_label("AM or PM", exact=True).select_option("PM")
    page.get_by_label("Stage 1 batch size", exact=True).fill("25")
    page.get_by_label("Stage 4 max per run", exact=True).fill("7")
    page.get_by_label("Stage 5 enabled", exact=True).uncheck()
    page.get_by_label("Stage 2 · Clusters → Ideas", exact=True).select_option("testing")
    page.get_by_label("Between batches (seconds)", exact=True).fill("2")
    page.get_by_label("Approve new articles automatically", exact=True).check()
    page.get_by_label("Daily publish limit", exact=True).fill("5")
    publish_days.get_by_label("Sat", exact=True).check()
    page.get_by_role("button", name="Add a time slot").click()
    page.get_by_label("Slot 4", exact=True).fill("20:30")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()

    stored = api.call("GET", f"/api/v1/integration/sites/{site}/unified-settings/")
    assert stored["schedule"]["time"] == "15:00"
    assert stored["schedule"]["days"] == ["tue", "thu"]
    assert stored["schedule"]["frequency"] == "weekly"
    assert stored["schedule"]["next_run_at"] is not None
    stages = {s["number"]: s for s in stored["stages"]}
    assert stages[1]["batch_size"] == 25
    assert stages[4]["per_run_limit"] == 7
    assert stages[5]["enabled"] is False
    assert stages[2]["use_testing"] is True
    assert stored["delays"]["within_stage"] == 2
    assert stored["publishing"]["auto_approval_enabled"] is True
    assert stored["publishing"]["daily_publish_limit"] == 5
    assert "sat" in stored["publishing"]["publish_days"]
    assert stored["publishing"]["time_slots"][-1] == "20:30"

    page.reload()
    expect(page.get_by_label("Frequency", exact=True)).to_have_value("weekly")
    expect(page.get_by_label("Hour", exact=True)).to_have_value("3")
    expect(page.get_by_label("AM or PM", exact=True)).to_have_value("PM")
    expect(days.get_by_label("Tue", exact=True)).to_be_checked()
    expect(days.get_by_label("Mon", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Stage 1 batch size", exact=True)).to_have_value("25")
    expect(page.get_by_label("Stage 4 max per run", exact=True)).to_have_value("7")
    expect(page.get_by_label("Stage 5 enabled", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Stage 2 · Clusters → Ideas", exact=True)).to_have_value("testing")
    expect(page.get_by_label("Slot 4", exact=True)).to_have_value("20:30")
    expect(page.locator(".facts dd").first).not_to_contain_text("None")
    expect(page.locator(".capacity-total")).to_contain_text("unlimited")
    screenshot(page, "settings")

    # A bad value: its error beside the field, and nothing saved.
    batch = page.get_by_label("Stage 1 batch size", exact=True)
    batch.fill("5000")
    page.get_by_label("Slot 1", exact=True).fill("")
    page.get_by_role("button", name="Save settings").click()
    expect(batch).to_have_attribute("aria-invalid", "true")
    batch_error = page.locator(f"#{batch.get_attribute('aria-describedby')}")
    expect(batch_error).to_contain_text("less than or equal to 1000")
    slot = page.get_by_label("Slot 1", exact=True)
    expect(slot).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{slot.get_attribute('id')}-error")).to_contain_text("24-hour")
    expect(page.locator(".error-summary")).to_contain_text("2 values need attention")
    expect(batch).to_be_focused()
    screenshot(page, "settings-errors")
    after = api.call("GET", f"/api/v1/integration/sites/{site}/unified-settings/")
    assert after["stages"][0]["batch_size"] == 25
    page.reload()
    expect(page.get_by_label("Stage 1 batch size", exact=True)).to_have_value("25")

    page.get_by_role("button", name="Reset to defaults").click()
    defaults = api.call("GET", "/api/v1/integration/settings/defaults/")
    expect(page.get_by_label("Stage 1 batch size", exact=True)).to_have_value(
        str(defaults["stages"][0]["batch_size"])
    )
    expect(page.get_by_text("Defaults filled in")).to_be_visible()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    reset = api.call("GET", f"/api/v1/integration/sites/{site}/unified-settings/")
    assert reset["stages"][0]["batch_size"] == defaults["stages"][0]["batch_size"]
    assert reset["schedule"]["enabled"] is defaults["automation"]["enabled"]


def test_content_profile_saved_and_a_field_error(
    stack: Stack, open_dashboard: OpenDashboard
) -> None:
    api = stack.api()
    site = api.site("Profile site", keywords=0)
    page = open_dashboard(api.key)
    page.goto(f"/sites/{site}/settings")
    expect(page.get_by_role("heading", name="Content profile")).to_be_visible()
    page.get_by_label("Language", exact=True).fill("pt-br")
    page.get_by_label("Audience", exact=True).fill("home baristas")
    page.get_by_label("Tone and voice", exact=True).fill("dry, exact")
    page.get_by_label("Point of view", exact=True).select_option("first_person_plural")
    page.get_by_label("Shortest article (words)", exact=True).fill("600")
    page.get_by_label("Longest article (words)", exact=True).fill("800")
    page.get_by_label("Brand name", exact=True).fill("Bean There")
    page.get_by_label("Topics and claims to avoid", exact=True).fill("medical claims\n\ndetox")
    page.get_by_label("House style", exact=True).fill("Metric units.")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()

    stored = api.call("GET", f"/api/v1/integration/sites/{site}/unified-settings/")
    assert stored["content_profile"] == {
        "language": "pt-BR",
        "audience": "home baristas",
        "tone": "dry, exact",
        "point_of_view": "first_person_plural",
        "target_words_min": 600,
        "target_words_max": 800,
        "brand_name": "Bean There",
        "avoid": ["medical claims", "detox"],
        "house_style": "Metric units.",
    }
    page.reload()
    expect(page.get_by_label("Language", exact=True)).to_have_value("pt-BR")
    expect(page.get_by_label("Topics and claims to avoid", exact=True)).to_have_value(
        "medical claims\ndetox"
    )

    # The shortest above the longest: the error beside the field, nothing saved.
    shortest = page.get_by_label("Shortest article (words)", exact=True)
    shortest.fill("900")
    page.get_by_role("button", name="Save settings").click()
    expect(shortest).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{shortest.get_attribute('id')}-error")).to_contain_text(
        "must not exceed target_words_max (800)"
    )
    expect(page.locator(".error-summary")).to_contain_text("1 value needs attention")
    expect(shortest).to_be_focused()
    screenshot(page, "settings-profile-error")
    after = api.call("GET", f"/api/v1/integration/sites/{site}/unified-settings/")
    assert after["content_profile"]["target_words_min"] == 600


def test_history_filters_pages_and_opens_a_run(stack: Stack, open_dashboard: OpenDashboard) -> None:
    api = stack.api()
    quick: dict[str, Any] = {f"stage_{n}_enabled": False for n in (4, 5, 6)}
    # Stage 2's share of the budget is 1 of the 16 points the running stages hold: under one
    # idea's price, so the stage ends partial.
    quick["stage_2_budget_pct"] = 1
    site = api.site("History site", keywords=4, **FAST, **quick)
    params = {"site_id": site}
    first = api.call("POST", "/api/v1/automation/run_now/", params=params)["run_id"]
    assert api.wait_for_run(site, first)["run"]["status"] == "completed"
    # A second run, slow enough to be cancelled.
    rows = [row.model_dump() for row in demo_keywords()[4:8]]
    api.call("POST", f"/api/v1/sites/{site}/keywords", json={"keywords": rows})
    api.call(
        "PUT",
        "/api/v1/automation/update_config/",
        params=params,
        json={"stage_1_batch_size": 1, "within_stage_delay": 30},
    )
    second = api.call("POST", "/api/v1/automation/run_now/", params=params)["run_id"]
    api.call("POST", "/api/v1/automation/cancel/", params={**params, "run_id": second})
    assert api.wait_for_run(site, second)["run"]["status"] == "cancelled"

    page = open_dashboard(api.key)
    page.goto(f"/automation/overview?site={site}")
    rows_of = page.locator("table.runs tbody tr")
    expect(rows_of).to_have_count(2)
    page.get_by_label("Status", exact=True).select_option("cancelled")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(f"{stack.base_url}/automation/overview?site={site}&status=cancelled")
    expect(rows_of).to_have_count(1)
    expect(rows_of.first.locator(".badge")).to_have_text("Cancelled")
    expect(rows_of.first.get_by_role("link")).to_have_text(f"Run {second[:8]}")

    page.get_by_label("Status", exact=True).select_option("completed")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows_of).to_have_count(1)
    expect(rows_of.first.locator(".badge")).to_have_text("Completed")

    later = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    page.get_by_label("Status", exact=True).select_option("")
    page.get_by_label("Started from", exact=True).fill(later)
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No runs match these filters.")).to_be_visible()
    today = datetime.now(UTC).date().isoformat()
    page.get_by_label("Started from", exact=True).fill(today)
    page.get_by_label("Started to", exact=True).fill(today)
    page.get_by_role("button", name="Apply filters").click()
    expect(rows_of).to_have_count(2)

    # One run a page: the newest, then the older one.
    page.goto(f"/automation/overview?site={site}&limit=1")
    expect(page.locator("table.runs caption")).to_have_text("Runs 1\u20131 of 2, newest first")
    page.get_by_role("link", name="Older runs").click()
    expect(page.locator("table.runs caption")).to_have_text("Runs 2\u20132 of 2, newest first")
    screenshot(page, "overview")

    page.get_by_role("link", name=f"Run {first[:8]}").click()
    expect(page).to_have_url(f"{stack.base_url}/automation/runs/{first}?site={site}")
    expect(page.get_by_role("heading", name=f"Run {first[:8]}")).to_be_visible()
    stage_rows = page.locator("table.stages tbody tr")
    expect(stage_rows).to_have_count(7)
    expect(stage_rows.nth(0).locator(".badge")).to_have_text("Completed")
    expect(stage_rows.nth(3).locator(".badge")).to_have_text("Skipped")
    # Stage 2's budget share is under one idea: it stops after the first.
    expect(stage_rows.nth(1).locator(".badge")).to_have_text("Partial")
    expect(page.get_by_role("region", name="Errors")).to_contain_text(
        "Stage 2 (Clusters → Ideas) partial: stage budget"
    )
    expect(page.get_by_role("log").locator("li").last).to_contain_text("Run completed")
    expect(page.get_by_role("region", name="Failed items")).to_contain_text(
        "None: no failed item had its last failure in this run."
    )
    link = page.get_by_role("link", name="Open in the Temporal Web UI")
    href = link.get_attribute("href") or ""
    assert href.startswith(
        f"http://localhost:{stack.temporal_ui_port}/namespaces/default/workflows/"
        f"automation-site-{site}/"
    ), href
    assert href.endswith("/history")
    screenshot(page, "run-detail")

    page.goto(f"/automation/runs/{second}?site={site}")
    expect(page.get_by_role("region", name="Summary").locator(".badge").first).to_have_text(
        "Cancelled"
    )


def test_content_review_read_edit_approve_reject(
    stack: Stack, open_dashboard: OpenDashboard
) -> None:
    api = stack.api()
    site = api.site("Content site", keywords=3, max_tasks_per_run=2, **FAST)
    run = api.call("POST", "/api/v1/automation/run_now/", params={"site_id": site})["run_id"]
    assert api.wait_for_run(site, run)["run"]["status"] == "completed"

    page = open_dashboard(api.key)
    page.goto(f"/sites/{site}/content")
    queue = page.get_by_role("list", name="Articles").locator("li")
    expect(queue).to_have_count(2)
    queue.first.get_by_role("link").click()
    article = page.locator("article.article")
    expect(article.get_by_role("heading", level=2)).to_be_visible()
    page.wait_for_function(
        "() => { const images = [...document.querySelectorAll('article img')];"
        " return images.length > 0 && images.every(i => i.complete && i.naturalWidth > 0); }"
    )
    expect(article.locator(".featured img")).to_have_count(1)
    expect(article.locator(".publish-slot")).to_contain_text("None")
    first_id = int(article.get_attribute("data-id") or 0)

    page.get_by_text("Edit title and meta description").click()
    title = page.get_by_label("Title", exact=True)
    title.fill("")
    page.get_by_role("button", name="Save title and description").click()
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{title.get_attribute('id')}-error")).to_contain_text("at least 1")
    title.fill("A reviewed title")
    page.get_by_label("Meta description", exact=True).fill("A short, edited description.")
    page.get_by_role("button", name="Save title and description").click()
    expect(page.get_by_text("Title and description saved.")).to_be_visible()
    expect(queue.first).to_contain_text("A reviewed title")
    expect(article.get_by_role("heading", level=2)).to_have_text("A reviewed title")

    article.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved.")).to_be_visible()
    expect(page.locator("article.article .facts .badge")).to_have_text("Approved")
    expect(page.locator("article.article").get_by_role("button", name="Approve")).to_be_disabled()
    expect(page.locator("article.article .publish-slot")).to_contain_text("Not scheduled")
    expect(queue.first.locator(".badge")).to_have_text("Approved")
    approved = api.call("GET", f"/api/v1/sites/{site}/content/{first_id}")
    assert approved["status"] == "approved"
    assert approved["title"] == "A reviewed title"
    assert approved["meta_description"] == "A short, edited description."

    # Its publish slot: the next free one of the site's calendar.
    page.locator("article.article").get_by_role("button", name="Schedule").click()
    expect(page.get_by_text("Scheduled.")).to_be_visible()
    expect(page.locator("article.article .facts .badge")).to_have_text("Scheduled")
    scheduled = api.call("GET", f"/api/v1/sites/{site}/content/{first_id}")
    slot = page.locator("article.article .publish-slot")
    expect(slot).to_contain_text("(UTC)")
    expect(slot).to_contain_text("publication scheduled")
    moment = datetime.fromisoformat(scheduled["publish_at"].replace("Z", "+00:00"))
    expect(slot).to_contain_text(f"{moment:%b} {moment.day}, {moment.year}")
    screenshot(page, "content")

    queue.nth(1).get_by_role("link").click()
    second = page.locator("article.article")
    expect(second).not_to_have_attribute("data-id", str(first_id))
    second_id = int(second.get_attribute("data-id") or 0)
    page.get_by_text("Reject…").click()
    page.get_by_label("Reason (optional)", exact=True).fill("Off topic")
    page.get_by_role("button", name="Reject", exact=True).click()
    expect(page.get_by_text("Rejected: it is back in drafts.")).to_be_visible()
    rejected = api.call("GET", f"/api/v1/sites/{site}/content/{second_id}")
    assert rejected["status"] == "draft"

    page.get_by_label("Show", exact=True).select_option("scheduled")
    expect(queue).to_have_count(1)
    expect(queue.first).to_contain_text("A reviewed title")


def test_recovers_when_the_api_drops_and_comes_back(
    stack: Stack, open_dashboard: OpenDashboard
) -> None:
    api = stack.api()
    quick = {f"stage_{n}_enabled": False for n in (4, 5, 6)}
    site = api.site("Recovery site", keywords=3, **FAST, **quick)
    port = free_port()
    env = {
        **stack.env,
        "PRESSRUN_API_PORT": str(port),
        "TEMPORAL_ADDRESS": f"127.0.0.1:{stack.temporal_port}",
    }
    base_url = f"http://127.0.0.1:{port}"

    def start_api() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [pressrun_binary(), "api"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    return process
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "API did not start"
            time.sleep(0.1)

    # A separate API process in front of the same database and Temporal, so it can be
    # stopped and started while the rest of the stack runs on.
    process = start_api()
    try:
        # Only `pressrun dev` offers the demo key.
        assert httpx.get(f"{base_url}/api/v1/dashboard/demo-key").status_code == 404
        page = open_dashboard(api.key, base_url=base_url)
        page.goto(f"/automation?site={site}")
        live = page.locator(".live-state")
        expect(live).to_have_text("Live")
        pending = page.locator('.stage-card[data-stage="1"] .pending')
        expect(pending).to_have_text("3 pending")

        process.kill()
        process.wait()
        expect(page.get_by_text("The pressrun API cannot be reached")).to_be_visible()
        expect(live).to_contain_text("reconnecting")
        screenshot(page, "automation-api-down")
        # The pipeline changes while this page cannot hear about it.
        rows = [row.model_dump() for row in demo_keywords()[3:5]]
        api.call("POST", f"/api/v1/sites/{site}/keywords", json={"keywords": rows})

        process = start_api()
        expect(page.get_by_text("The pressrun API cannot be reached")).to_be_hidden()
        expect(live).to_have_text("Live")
        expect(pending).to_have_text("5 pending")
        # And live updates flow again: a run started elsewhere shows up by itself.
        run = api.call("POST", "/api/v1/automation/run_now/", params={"site_id": site})["run_id"]
        expect(page.locator(".run-line")).to_contain_text(f"Run {run[:8]}")
        api.wait_for_run(site, run)
        expect(page.locator(".run-line .badge")).to_have_text("Completed")
    finally:
        stop_process(process, timeout=10)
