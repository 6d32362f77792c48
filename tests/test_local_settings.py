"""A development checkout runs every manage.py command as `make run` does; production refuses without a key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def manage(var_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TALENTPORTAL_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(TALENTPORTAL_VAR_DIR=str(var_dir), **extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_make_writes_a_local_settings_file_that_manage_py_reads(tmp_path):
    made = subprocess.run(
        ["make", "-s", "env", f"TALENTPORTAL_VAR_DIR={tmp_path}"], cwd=ROOT, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    written = (tmp_path / ".env").read_text()
    assert "DJANGO_DEBUG=1" in written and "DJANGO_SECRET_KEY=" in written
    assert subprocess.run(["git", "check-ignore", "-q", "var/.env"], cwd=ROOT).returncode == 0
    migrated = manage(tmp_path, "migrate", "--noinput", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    help_text = manage(tmp_path, "import_roster", "--help")
    assert help_text.returncode == 0 and "--keep-valid" in help_text.stdout, help_text.stderr
    # The environment still wins over the file.
    show = ("shell", "-v", "0", "-c", "from django.conf import settings; print(settings.DEBUG)")
    assert manage(tmp_path, *show).stdout.strip() == "True"
    assert manage(tmp_path, *show, DJANGO_DEBUG="0").stdout.strip() == "False"


def test_without_a_key_the_refusal_is_one_clear_line(tmp_path):
    result = manage(tmp_path, "check")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "DJANGO_SECRET_KEY" in result.stderr
    started = manage(tmp_path, "check", DJANGO_SECRET_KEY="a-real-production-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    assert started.returncode == 0, started.stderr
