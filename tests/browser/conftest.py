"""Browser tests: Debian's Chromium driven by pytest-playwright against `live_server`.

Every test here is marked `browser` and runs twice, with JavaScript on and off,
because pages must work without it. Any Content Security Policy violation
reported to the console fails the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import watch_csp

HERE = Path(__file__).resolve().parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server.url


@pytest.fixture(params=[True, False], ids=["js-on", "js-off"])
def browser_context_args(request, browser_context_args):
    return {**browser_context_args, "java_script_enabled": request.param}


@pytest.fixture
def js_enabled(browser_context_args) -> bool:
    return browser_context_args["java_script_enabled"]


@pytest.fixture(autouse=True)
def _page_defaults(request):
    """A 5 s default timeout, and no CSP violations, for every test that uses `page`."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    page.set_default_timeout(5000)
    # On the context, so pages the test opens (popups) are watched too.
    violations = watch_csp(page.context)
    yield
    if violations:
        pytest.fail(
            f"{len(violations)} Content Security Policy violation(s):\n" + "\n".join(violations),
            pytrace=False,
        )


@pytest.fixture
def axe_page(browser, base_url):
    """A page for axe, which runs inside it, so JavaScript is on (the markup is the
    server's either way); any CSP violation fails the test."""
    context = browser.new_context(base_url=base_url, java_script_enabled=True)
    violations = watch_csp(context)
    page = context.new_page()
    page.set_default_timeout(5000)
    yield page
    context.close()
    if violations:
        pytest.fail("CSP violations:\n" + "\n".join(violations))
