"""The documented nginx front (deploy/nginx.conf), started with Debian's nginx in front of the real
server and probed the way the internet would: TLS, other host names, slow clients, floods.

The config file is used as shipped; only what a deployment changes anyway is rewritten here:
the two listen ports, the application's address and the certificate (a self-signed one for
the public name, which the client trusts)."""
from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, free_port, start_api, zhengce

NGINX = Path("/usr/sbin/nginx")
PUBLIC_NAME = "zhengce.example.gov.cn"
HEADER_TIMEOUT = 10  # client_header_timeout / client_body_timeout in deploy/nginx.conf


def front_config(shipped: str, http_port: int, https_port: int, api_port: int, cert: Path, key: Path) -> str:
    rewritten = shipped
    for pattern, replacement in (
        (r"listen 80\b", f"listen 127.0.0.1:{http_port}"),
        (r"listen 443\b", f"listen 127.0.0.1:{https_port}"),
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{api_port};"),
        (r"ssl_certificate\s+/etc/ssl/zhengce/fullchain\.pem;", f"ssl_certificate {cert};"),
        (r"ssl_certificate_key\s+/etc/ssl/zhengce/privkey\.pem;", f"ssl_certificate_key {key};"),
    ):
        rewritten, count = re.subn(pattern, replacement, rewritten)
        assert count, f"deploy/nginx.conf no longer has {pattern!r}: update this test with it"
    return rewritten


def main_config(folder: Path, site: Path) -> str:
    """The rest of an nginx.conf, confined to the test's folder."""
    return f"""
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
user root;
events {{ worker_connections 2048; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {site};
}}
"""


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {log.read_text(errors='replace')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("nginx did not start listening")


class Front:
    def __init__(self, http_port: int, https_port: int, api_url: str, cert: Path):
        self.http_port, self.https_port, self.api_url, self.cert = http_port, https_port, api_url, cert

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def client(self, **kwargs) -> httpx.Client:
        """HTTPS to the front on 127.0.0.1, with the public name as SNI and Host."""
        return httpx.Client(base_url=f"https://127.0.0.1:{self.https_port}", verify=self.tls_context(),
                            headers={"Host": PUBLIC_NAME}, timeout=15, **kwargs)

    def get(self, client: httpx.Client, path: str, **kwargs) -> httpx.Response:
        return client.get(path, extensions={"sni_hostname": PUBLIC_NAME}, **kwargs)

    def post(self, client: httpx.Client, path: str, **kwargs) -> httpx.Response:
        return client.post(path, extensions={"sni_hostname": PUBLIC_NAME}, **kwargs)

    def tls_socket(self, server_name: str = PUBLIC_NAME) -> ssl.SSLSocket:
        raw = socket.create_connection(("127.0.0.1", self.https_port), timeout=30)
        return self.tls_context().wrap_socket(raw, server_hostname=server_name)


@pytest.fixture(scope="module")
def front(data_dir, tmp_path_factory):
    if not NGINX.exists():
        pytest.fail("nginx is missing: `make system-packages` installs Debian's nginx-light")
    folder = tmp_path_factory.mktemp("nginx")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", str(key),
         "-out", str(cert), "-subj", f"/CN={PUBLIC_NAME}", "-addext", f"subjectAltName=DNS:{PUBLIC_NAME}"],
        check=True, capture_output=True,
    )
    env = {"ZHENGCE_ALLOWED_HOSTS": f"{PUBLIC_NAME},127.0.0.1"}
    with start_api(data_dir, workers=1, env=env) as api_url:
        http_port, https_port = free_port(), free_port()
        site = folder / "zhengce.conf"
        site.write_text(front_config((REPO / "deploy" / "nginx.conf").read_text(), http_port, https_port,
                                     int(api_url.rsplit(":", 1)[1]), cert, key))
        (folder / "nginx.conf").write_text(main_config(folder, site))
        checked = subprocess.run([str(NGINX), "-t", "-p", str(folder), "-e", str(folder / "error.log"),
                                  "-c", str(folder / "nginx.conf")], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        process = subprocess.Popen([str(NGINX), "-p", str(folder), "-e", str(folder / "error.log"),
                                    "-c", str(folder / "nginx.conf")])
        try:
            wait_for_port(https_port, process, folder / "error.log")
            yield Front(http_port, https_port, api_url, cert)
        finally:
            process.terminate()
            process.wait(timeout=10)
            shutil.rmtree(folder / "proxy", ignore_errors=True)


def test_a_search_through_the_front_carries_the_security_headers(front):
    with front.client() as client:
        response = front.get(client, "/api/search", params={"q": "政务公开"})
        page = front.get(client, "/")
    assert response.status_code == 200, response.text
    assert response.json()["total"] > 0
    for answer in (response, page):
        assert answer.headers["strict-transport-security"].startswith("max-age=")
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_plain_http_is_sent_to_https(front):
    response = httpx.get(f"http://127.0.0.1:{front.http_port}/api/search?q=x", headers={"Host": PUBLIC_NAME})
    assert response.status_code == 301
    assert response.headers["location"] == f"https://{PUBLIC_NAME}/api/search?q=x"


def test_cookies_are_secure_behind_tls_and_sign_in_works_through_it(front, data_dir):
    name, secret = "前端值班员", "nginx front passphrase 42"
    assert zhengce(data_dir, "staff", "add", name).returncode == 0
    assert zhengce(data_dir, "staff", "password", name, input_text=f"{secret}\n").returncode == 0

    direct = httpx.get(f"{front.api_url}/signin")
    assert "secure" not in direct.headers["set-cookie"].lower()  # plain HTTP without the front

    with front.client() as client:
        # A client's own X-Forwarded-Proto never reaches the application: nginx sets it.
        form = front.get(client, "/signin", headers={"X-Forwarded-Proto": "http"})
        assert "; secure" in form.headers["set-cookie"].lower()
        token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        signed_in = front.post(client, "/signin", data={"name": name, "secret": secret, "csrf": token, "next": "/"},
                               headers={"Origin": f"https://{PUBLIC_NAME}"})
        assert signed_in.status_code == 303, signed_in.text
        session_cookie = [c for c in signed_in.headers.get_list("set-cookie") if c.startswith("zhengce_session=")]
        assert session_cookie and "; secure" in session_cookie[0].lower() and "httponly" in session_cookie[0].lower()
        me = front.get(client, "/api/staff/me")
    assert me.status_code == 200 and me.json()["name"] == name


def closed_without_answer(sock: socket.socket) -> bool:
    try:
        return sock.recv(1024) == b""
    except (ConnectionResetError, ssl.SSLError):
        return True


def test_other_host_names_get_no_answer(front):
    with socket.create_connection(("127.0.0.1", front.http_port), timeout=10) as plain:
        plain.sendall(b"GET /api/health HTTP/1.1\r\nHost: evil.example\r\n\r\n")
        assert closed_without_answer(plain)
    with pytest.raises(ssl.SSLError):  # the TLS handshake itself fails for another name
        front.tls_socket("evil.example").close()
    with front.tls_socket() as tls:  # the right SNI, then another Host (DNS rebinding)
        tls.sendall(b"GET /api/health HTTP/1.1\r\nHost: evil.example\r\n\r\n")
        assert closed_without_answer(tls)


def test_slow_clients_are_cut_off_and_the_site_still_answers(front):
    """150 clients that never finish their request head and 10 that never finish their body. While
    they hang, a normal search is answered at once; within the timeouts every one is closed."""
    stalled: list[socket.socket] = []
    head = f"GET /api/search?q=%E6%94%BF%E7%AD%96 HTTP/1.1\r\nHost: {PUBLIC_NAME}\r\nUser-Agent: slow".encode()
    body_head = (f"POST /api/staff/me HTTP/1.1\r\nHost: {PUBLIC_NAME}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: 1000\r\n\r\n{{\"a\":").encode()
    with ThreadPoolExecutor(16) as pool:
        stalled += pool.map(lambda _: socket.create_connection(("127.0.0.1", front.http_port), timeout=30), range(50))
        stalled += pool.map(lambda _: front.tls_socket(), range(50))
        stalled += pool.map(lambda _: socket.create_connection(("127.0.0.1", front.https_port), timeout=30), range(50))
        body_stalled = list(pool.map(lambda _: front.tls_socket(), range(10)))
    started = time.monotonic()
    for sock in stalled[:100]:
        sock.sendall(head)  # the last 50 never even start TLS
    for sock in body_stalled:
        sock.sendall(body_head)

    with front.client() as client:
        t0 = time.monotonic()
        response = front.get(client, "/api/search", params={"q": "政策解读"})
        answered_in = time.monotonic() - t0
    assert response.status_code == 200 and answered_in < 3, answered_in

    def closed_after(sock: socket.socket) -> float:
        sock.settimeout(HEADER_TIMEOUT + 10)
        try:
            while sock.recv(4096):
                pass  # a 408 may come before the close
        except (ConnectionResetError, ssl.SSLError):
            pass
        except socket.timeout:
            return float("inf")
        finally:
            sock.close()
        return time.monotonic() - started

    with ThreadPoolExecutor(32) as pool:
        waits = list(pool.map(closed_after, stalled + body_stalled))
    assert max(waits) < HEADER_TIMEOUT + 4, sorted(waits)[-5:]
    assert min(waits) > HEADER_TIMEOUT - 2, sorted(waits)[:5]  # closed by the timeout, not refused early


def test_floods_are_limited_per_address(front):
    """Last in this file: afterwards this address has used up its allowance for a while."""
    with front.client() as client:
        statuses = [front.get(client, "/api/health").status_code for _ in range(120)]
        signins = [front.post(client, "/signin", data={"name": "x", "secret": "y", "csrf": "z"}).status_code
                   for _ in range(12)]
    assert statuses[:40] == [200] * 40  # the burst passes
    assert 429 in statuses
    assert 429 in signins and signins.count(429) >= 5, signins  # 5 at once, then 10 a minute
