"""`flask essays check [DIR]`."""

from __future__ import annotations

from .helpers import FIXTURES, ROOT


def test_check_lists_every_problem_with_file_and_reason(runner):
    result = runner.invoke(args=["essays", "check", str(FIXTURES / "broken_essays")])
    assert result.exit_code == 1
    out = result.output
    assert "bad-yaml.md: bad YAML in the front matter" in out
    assert "no-title.md: missing title" in out
    assert "no-date.md: missing date" in out
    assert "bad-date.md: bad date" in out
    assert "duplicate-second.md: duplicate slug 'same-slug'" in out
    assert "not-utf8.md: not UTF-8 text" in out
    assert "6 problem(s)" in out
    assert "good.md" not in out


def test_check_passes_on_the_shipped_essays(runner):
    result = runner.invoke(args=["essays", "check"])
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output
    assert str(ROOT / "content" / "essays") in result.output


def test_check_on_a_missing_folder_fails_clearly(runner, tmp_path):
    result = runner.invoke(args=["essays", "check", str(tmp_path / "nope")])
    assert result.exit_code == 2  # could not run (1 means problems found)
    assert "not a folder" in result.output
    assert "Traceback" not in result.output


def test_check_leaves_the_log_working_afterwards(runner, caplog, tmp_path):
    runner.invoke(args=["essays", "check", str(FIXTURES / "broken_essays")])
    import logging

    assert not logging.getLogger("portal.essays").disabled


def test_check_runs_in_production_without_a_secret_or_a_database():
    """Issue 11, item 26: `flask essays check` said "SECRET_KEY is not set"."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "FLASK_DEBUG")}
    env["SITE_URL"] = ""
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "essays", "check"]
    shipped = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert shipped.returncode == 0, shipped.stderr
    assert "no problems" in shipped.stdout
    broken = subprocess.run(
        [*command, str(FIXTURES / "broken_essays")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert broken.returncode == 1
    assert "6 problem(s)" in broken.stderr
    assert "SECRET_KEY" not in broken.stderr
