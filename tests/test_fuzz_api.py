"""A third-party fuzzer (schemathesis) over our own OpenAPI schema, against the real server: no
request it generates may get a 5xx, and every response must match the schema it declares.
Bounded: a fixed seed, a few examples per operation, a time limit."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import start_api, zhengce

SCHEMATHESIS = Path(sys.executable).with_name("st")


def test_schemathesis_finds_no_server_error_and_no_schema_violation(data_dir, tmp_path):
    copy = tmp_path / "data"  # the fuzzer changes staff state: on a copy, not the shared data
    shutil.copytree(data_dir, copy, ignore=shutil.ignore_patterns("*.lock", "staff.sqlite3*"))
    token = zhengce(copy, "staff", "add", "fuzzer").stdout.strip().splitlines()[-1]
    with start_api(copy, workers=1) as url:
        result = subprocess.run(
            [str(SCHEMATHESIS), "run", f"{url}/openapi.json", "--checks", "not_a_server_error,response_schema_conformance",
             "--max-examples", "12", "--seed", "20261202", "-H", f"Authorization: Bearer {token}", "--no-color"],
            capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,  # its cache goes there
        )
    summary = result.stdout[-3000:]
    assert result.returncode == 0, summary
    assert " passed" in summary and "failures" not in summary.splitlines()[-1], summary
