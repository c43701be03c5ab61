"""A package index the test controls: PEP 503 pages and files served on 127.0.0.1.

The distributions are made by hand (an sdist is a tarball with ``PKG-INFO`` and
``setup.py``, a wheel a zip with its ``.dist-info``), so nothing here needs a
network or a build tool. Every request is recorded, with whether it carried the
expected credentials, so a test can tell what was fetched and how.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from packaging.utils import canonicalize_name


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def make_sdist(dest: Path, name: str, version: str, setup_py: str) -> Path:
    """``name-version.tar.gz`` in ``dest``: a setuptools sdist whose build runs ``setup_py``."""
    files = {
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        "setup.py": setup_py,
    }
    return make_archive(dest, f"{name.replace('-', '_')}-{version}", files)


def make_archive(dest: Path, stem: str, files: dict[str, str]) -> Path:
    """``stem.tar.gz`` in ``dest`` holding ``files`` under the folder ``stem/``, as an sdist."""
    path = dest / f"{stem}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{stem}/{rel}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def make_wheel(dest: Path, name: str, version: str, module: str) -> Path:
    """A pure-Python wheel of ``name`` in ``dest`` with one module, ``module`` (its source)."""
    stem = f"{name.replace('-', '_')}-{version}"
    info = f"{stem}.dist-info"
    files = {
        f"{name.replace('-', '_')}.py": module.encode(),
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = "".join(f"{rel},{_record_hash(data)},{len(data)}\n" for rel, data in files.items())
    path = dest / f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for rel, data in files.items():
            archive.writestr(rel, data)
        archive.writestr(f"{info}/RECORD", record + f"{info}/RECORD,,\n")
    return path


@dataclass
class LocalIndex:
    """The index's files (``files/<name>``), its address and what was asked of it."""

    root: Path
    port: int = 0
    user: str = ""
    password: str = ""
    #: (path, whether the expected credentials came with it), in order
    requests: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def address(self) -> str:
        """``http://127.0.0.1:PORT``, without credentials."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def simple(self) -> str:
        """The index URL, with the credentials when it has some."""
        login = f"{self.user}:{self.password}@" if self.user else ""
        return f"http://{login}127.0.0.1:{self.port}/simple/"

    def publish(self, path: Path) -> str:
        """Serve the distribution at ``path`` (made by :func:`make_sdist` or :func:`make_wheel`);
        its URL."""
        files = self.root / "files"
        files.mkdir(parents=True, exist_ok=True)
        path.rename(files / path.name)
        return f"{self.address}/files/{path.name}"

    def page(self, project: str) -> bytes | None:
        """The PEP 503 page of ``project`` (None when no file of it is published)."""
        key = canonicalize_name(project)
        paths = [
            p
            for p in sorted((self.root / "files").glob("*"))
            if canonicalize_name(p.name.split("-")[0]) == key
        ]
        if not paths:
            return None
        links = "".join(  # with the sha256 fragment, as PyPI gives it
            f'<a href="/files/{html.escape(p.name)}#sha256='
            f'{hashlib.sha256(p.read_bytes()).hexdigest()}">{html.escape(p.name)}</a>\n'
            for p in paths
        )
        return f"<!DOCTYPE html><html><body>\n{links}</body></html>\n".encode()

    def answer(self, path: str, authorization: str) -> tuple[int, bytes, str]:
        """(status, body, content type) for a GET of ``path``."""
        login = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        authorised = not self.user or authorization == f"Basic {login}"
        self.requests.append((path, authorised))
        if not authorised:
            return 401, b"", "text/plain"
        parts = [p for p in path.split("?")[0].split("/") if p]
        if len(parts) == 2 and parts[0] == "simple":
            body = self.page(parts[1])
            return (200, body, "text/html") if body else (404, b"", "text/plain")
        if len(parts) == 2 and parts[0] == "files" and (self.root / "files" / parts[1]).is_file():
            return 200, (self.root / "files" / parts[1]).read_bytes(), "application/octet-stream"
        return 404, b"", "text/plain"


@contextmanager
def local_index(root: Path, user: str = "", password: str = "") -> Iterator[LocalIndex]:
    """A :class:`LocalIndex` serving from ``root`` on a free port of 127.0.0.1 (basic
    authentication required when ``user`` is given), stopped afterwards."""
    index = LocalIndex(root, user=user, password=password)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = self.do_HEAD()
            self.wfile.write(body)

        def do_HEAD(self) -> bytes:
            """The headers of the answer (sent); its body (for GET)."""
            status, body, kind = index.answer(self.path, self.headers.get("Authorization", ""))
            self.send_response(status)
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="index"')
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return body

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the requests are recorded on the index."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    index.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield index
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
