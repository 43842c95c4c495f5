"""The package as a deployment installs it: the wheel, into a new virtual environment outside
the checkout, then `zhengce demo` and one search from there. (An editable install hides missing
package data; this does not.) The dependencies come from the test environment through a path
file, because the tests run without the network; the project's own code comes from the wheel
alone (the test checks where it was imported from)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import time
import venv
from pathlib import Path

import httpx

from tests.conftest import REPO, free_port


def test_wheel_installs_and_runs_demo_outside_the_checkout(tmp_path):
    wheels = tmp_path / "wheels"
    source = tmp_path / "source"  # a clean copy: a stale build/ folder would hide missing package data
    skipped = shutil.ignore_patterns(".git", ".venv", "*.egg-info", "__pycache__", ".pytest_cache")
    shutil.copytree(REPO, source, ignore=lambda folder, names: skipped(folder, names) | (
        {"build", "data"} & set(names) if Path(folder) == REPO else set()))
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(wheels), str(source)],
                           capture_output=True, text=True, timeout=300, check=False)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (wheel,) = wheels.glob("zhengce-*.whl")
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (tmp_path / "env" / site.removeprefix(str(env_dir) + "/") / "dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                                "--no-index", "-q", str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    where = subprocess.run([str(python), "-c", "import analyzers, ui, sites; print(analyzers.__file__, ui.__file__)"],
                           capture_output=True, text=True, cwd=elsewhere, check=True).stdout
    assert str(REPO) not in where and str(env_dir) in where, where
    port, site_port = free_port(), free_port()
    demo = subprocess.Popen([str(env_dir / "bin" / "zhengce"), "--data-dir", str(elsewhere / "data"), "demo",
                             "--port", str(port), "--site-port", str(site_port)],
                            cwd=elsewhere, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).json()["documents"] > 30:
                    break
            except (httpx.HTTPError, KeyError, ValueError):
                pass
            assert demo.poll() is None and time.monotonic() < deadline, demo.stdout.read() if demo.poll() is not None else "timeout"
            time.sleep(0.5)
        found = httpx.get(f"http://127.0.0.1:{port}/api/search", params={"q": "涂岭镇"}).json()
        assert found["total"] >= 1  # a word only inside a PDF attachment: the extractors work too
        assert httpx.get(f"http://127.0.0.1:{port}/units").status_code == 200  # the templates are there
    finally:
        demo.terminate()
        demo.wait(timeout=20)
