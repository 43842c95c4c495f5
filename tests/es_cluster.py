"""A real Elasticsearch cluster on 127.0.0.1 for the tests and benchmarks, from Maven Central.

Elastic publishes its integration-test distribution there
(org.elasticsearch.distribution.integ-test-zip:elasticsearch, a zip): the server with only
the transport and x-pack core/security modules, no bundled JDK. Maven resolves it into
build/cluster/m2 (inside the repository's ignored folders), it is unpacked once, and two nodes
start from it: node-1 (master and data) and node-2 (data only, so that stopping it never
leaves the cluster without its master). Elasticsearch refuses to run as root: as root, the
nodes run as the unprivileged user nobody.

    python -m tests.es_cluster start    # prints the URLs; `stop` and `status` as well

The tests start it themselves (tests/conftest.py); this command is for benchmarks and for
looking at a cluster by hand."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

VERSION = "8.19.0"
ARTIFACT = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{VERSION}:zip"
ROOT = Path(__file__).resolve().parent.parent / "build" / "cluster"  # the Maven cache, and the nodes
FIRST_HTTP_PORT = 9250
FIRST_TRANSPORT_PORT = 9350
HEAP = os.environ.get("ZHENGCE_ES_HEAP", "512m")  # per node; the benchmark gives it more
NOBODY = 65534
START_SECONDS = 240


class ClusterUnavailable(RuntimeError):
    """The cluster cannot be had here: a tool is missing, or it did not start (the reason says)."""


def missing_tools() -> str | None:
    """What this machine lacks to run the cluster, in one line; None when nothing."""
    if not shutil.which("java"):
        return "no Java (17 or newer) on PATH"
    if not shutil.which("mvn") and not _zip_path().exists():
        return "no Maven (mvn) on PATH to fetch Elasticsearch from Maven Central"
    return None


def _zip_path() -> Path:
    group = "org/elasticsearch/distribution/integ-test-zip/elasticsearch"
    return ROOT / "m2" / group / VERSION / f"elasticsearch-{VERSION}.zip"


def _java_home() -> str:
    if os.environ.get("ES_JAVA_HOME"):
        return os.environ["ES_JAVA_HOME"]
    return str(Path(os.path.realpath(shutil.which("java") or "java")).parent.parent)


def _open_to_all(path: Path) -> bool:
    return all(folder.stat().st_mode & 0o001 for folder in (path, *path.parents) if folder.exists())


def runtime_root() -> Path:
    """Where the server is unpacked and the nodes keep their files: build/cluster, unless the
    user nobody (the nodes' user, when run as root) could not reach it — a checkout under /root —
    then a folder of the system's temporary directory."""
    if os.geteuid() != 0 or _open_to_all(ROOT.parent):
        return ROOT
    return Path(tempfile.gettempdir()) / "zhengce-es-cluster"


def distribution() -> Path:
    """The unpacked server, fetched with Maven and unpacked the first time."""
    home = runtime_root() / f"elasticsearch-{VERSION}"
    if (home / "bin" / "elasticsearch").exists():
        return home
    if not _zip_path().exists():
        fetched = subprocess.run(
            ["mvn", "-q", "-B", f"-Dmaven.repo.local={ROOT / 'm2'}", "dependency:get", f"-Dartifact={ARTIFACT}",
             "-Dtransitive=false"], capture_output=True, text=True)
        if fetched.returncode != 0 or not _zip_path().exists():
            raise ClusterUnavailable(f"Maven could not fetch {ARTIFACT}: {(fetched.stdout + fetched.stderr)[-800:]}")
    partial = home.with_name(home.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with zipfile.ZipFile(_zip_path()) as archive:
        for member in archive.infolist():
            target = archive.extract(member, partial)
            mode = member.external_attr >> 16
            if mode:
                os.chmod(target, mode | 0o444 | (0o111 if mode & 0o100 or member.is_dir() else 0))
    (partial / f"elasticsearch-{VERSION}").rename(home)
    partial.rmdir()
    return home


@dataclass
class Node:
    number: int
    roles: str
    process: subprocess.Popen | None = None

    @property
    def name(self) -> str:
        return f"node-{self.number}"

    @property
    def http_port(self) -> int:
        return FIRST_HTTP_PORT + self.number - 1

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def folder(self) -> Path:
        return runtime_root() / self.name


@dataclass
class Cluster:
    """Two nodes (or `size`) of one cluster; start() waits until every node has joined."""

    size: int = 2
    nodes: list[Node] = field(default_factory=list)

    def __post_init__(self):
        self.nodes = [Node(n, "master,data,ingest" if n == 1 else "data") for n in range(1, self.size + 1)]

    @property
    def url(self) -> str:
        """Every node, comma-separated: the form ZHENGCE_ES_URL takes for a cluster."""
        return ",".join(node.url for node in self.nodes)

    def start(self) -> str:
        home = distribution()
        self.stop()
        for node in self.nodes:
            shutil.rmtree(node.folder, ignore_errors=True)
            shutil.copytree(home / "config", node.folder / "config")
            # The JVM's own files (GC log, crash and heap dumps) go to the node's folders, not
            # to paths relative to the server's home, which the node's user cannot write.
            options = node.folder / "config" / "jvm.options"
            options.write_text(options.read_text().replace("=logs/", f"={node.folder / 'logs'}/")
                               .replace("HeapDumpPath=data", f"HeapDumpPath={node.folder / 'data'}"))
            for part in ("data", "logs"):
                (node.folder / part).mkdir(parents=True)
            if os.geteuid() == 0:
                for path in [node.folder, *node.folder.rglob("*")]:
                    os.chown(path, NOBODY, NOBODY)
        for node in self.nodes:
            self.start_node(node.number, wait=False)
        self.wait(len(self.nodes))
        return self.url

    def start_node(self, number: int, wait: bool = True) -> None:
        node = self.nodes[number - 1]
        home = distribution()
        seeds = ",".join(f"127.0.0.1:{FIRST_TRANSPORT_PORT + n.number - 1}" for n in self.nodes)
        settings = {
            "cluster.name": "zhengce-test", "node.name": node.name, "node.roles": node.roles,
            "network.host": "127.0.0.1", "http.port": node.http_port,
            "transport.port": FIRST_TRANSPORT_PORT + number - 1, "discovery.seed_hosts": seeds,
            "cluster.initial_master_nodes": self.nodes[0].name, "path.data": node.folder / "data",
            "path.logs": node.folder / "logs", "xpack.security.enabled": "false",
            # A nearly full CI disk must not stop replicas from being placed.
            "cluster.routing.allocation.disk.threshold_enabled": "false",
        }
        command = [str(home / "bin" / "elasticsearch"), *(f"-E{k}={v}" for k, v in settings.items())]
        if os.geteuid() == 0:
            command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
        env = {**os.environ, "ES_JAVA_HOME": _java_home(), "ES_PATH_CONF": str(node.folder / "config"),
               "ES_JAVA_OPTS": f"-Xms{HEAP} -Xmx{HEAP}"}
        env.pop("JAVA_HOME", None)
        log = open(node.folder / "console.log", "ab")
        node.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        (node.folder / "pid").write_text(str(node.process.pid))
        if wait:
            self.wait(len(self.nodes))

    def stop_node(self, number: int, force: bool = False) -> None:
        """Shut the node down (SIGTERM, as an operator would), or kill it at once (force: a crash)."""
        node = self.nodes[number - 1]
        pid_file = node.folder / "pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text())
        if node.process is None and not _is_node(pid, node.name):
            pid_file.unlink()  # left by a run long gone: the number may be another process's now
            return
        try:
            os.killpg(pid, signal.SIGKILL if force else signal.SIGTERM)
        except ProcessLookupError:
            pid_file.unlink()
            return
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _alive(pid, node.process):
            time.sleep(0.2)
        if _alive(pid, node.process):
            os.killpg(pid, signal.SIGKILL)
        pid_file.unlink(missing_ok=True)
        node.process = None

    def stop(self) -> None:
        for node in reversed(self.nodes):
            self.stop_node(node.number)

    def health(self, url: str | None = None, **wait_for) -> dict:
        query = "&".join(f"{k}={v}" for k, v in wait_for.items())
        with urllib.request.urlopen(f"{url or self.nodes[0].url}/_cluster/health?{query}", timeout=30) as answer:
            return json.loads(answer.read())

    def wait(self, nodes: int, status: str = "yellow") -> dict:
        """Until `nodes` nodes have joined and the cluster is at least `status`."""
        deadline = time.monotonic() + START_SECONDS
        while True:
            for node in self.nodes:
                if node.process is not None and node.process.poll() is not None:
                    log = (node.folder / "console.log").read_text(errors="replace")[-2000:]
                    raise ClusterUnavailable(f"{node.name} exited with {node.process.returncode}:\n{log}")
            try:
                found = self.health(wait_for_nodes=nodes, wait_for_status=status, timeout="2s")
                if not found.get("timed_out"):
                    return found
            except OSError:
                time.sleep(1)
            if time.monotonic() > deadline:
                raise ClusterUnavailable(f"the cluster did not reach {nodes} nodes and {status} in {START_SECONDS} s")


def _is_node(pid: int, name: str) -> bool:
    """Whether the process is that node of ours (its command line says so)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return "elasticsearch" in command and f"node.name={name}" in command


def _alive(pid: int, process: subprocess.Popen | None) -> bool:
    if process is not None:
        return process.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main(argv: list[str]) -> int:
    cluster = Cluster()
    command = argv[0] if argv else "status"
    if command == "start":
        print(cluster.start())
        # The nodes outlive this command; `stop` ends them through their pid files.
        for node in cluster.nodes:
            node.process = None
    elif command == "stop":
        cluster.stop()
    elif command == "status":
        try:
            print(json.dumps(cluster.health(), indent=1))
        except OSError as exc:
            print(f"no cluster at {cluster.nodes[0].url}: {exc}")
            return 1
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
