"""Download source distributions from the engine's package index, without running them.

A test dependency published only as an sdist (no wheel) must be built, and building runs
its code, which never happens while the network is on (:mod:`aomaas.engine.testinstall`).
So the sdist's archive is downloaded here, as bytes (its hash checked against the one the
index gives), and built later by the offline phase, in the sandbox, without network.
Only PEP 503 "simple" pages are read; nothing is unpacked or executed here.
"""

from __future__ import annotations

import base64
import email.parser
import hashlib
import re
import tarfile
import tomllib
import urllib.parse
import urllib.request
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from aomaas.engine.index.facts import decode_text, extract_facts
from aomaas.engine.prefetch import build_requirements as build_requirements_of

#: Where the engine's uv looks when no index is configured.
DEFAULT_INDEX = "https://pypi.org/simple"
#: The largest sdist downloaded.
MAX_SDIST_BYTES = 50 * 1024 * 1024
_SDIST = re.compile(r"^(?P<name>.+?)-(?P<version>[^-]+)\.(tar\.gz|zip)$")


class _Links(HTMLParser):
    """The anchors of a simple page: (href, whether the file is yanked)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            found = dict(attrs)
            if found.get("href"):
                self.links.append((str(found["href"]), "data-yanked" in found))


def _open(url: str, credentials: tuple[str, str], timeout: float) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise OSError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={"Accept": "text/html"})  # noqa: S310
    user, password = credentials
    if user or password:
        token = base64.b64encode(
            f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}".encode()
        )
        request.add_header("Authorization", f"Basic {token.decode()}")
    with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (http(s) only)
        data: bytes = answer.read(MAX_SDIST_BYTES + 1)
    if len(data) > MAX_SDIST_BYTES:
        raise OSError(f"{url} is larger than {MAX_SDIST_BYTES} bytes")
    return data


def newest_sdist(
    name: str,
    wanted: SpecifierSet,
    index: str,
    credentials: tuple[str, str] = ("", ""),
    timeout: float = 60,
) -> tuple[str, str] | None:
    """The URL (without fragment) and sha256 of the newest non-yanked sdist of ``name`` that
    ``wanted`` allows, from the simple page at ``index``; None when there is none."""
    page_url = f"{index.rstrip('/')}/{canonicalize_name(name)}/"
    page = _Links()
    page.feed(_open(page_url, credentials, timeout).decode("utf-8", "replace"))
    best: tuple[Version, str, str] | None = None
    for href, yanked in page.links:
        url, _, fragment = urllib.parse.urljoin(page_url, href).partition("#")
        filename = urllib.parse.unquote(url.rsplit("/", 1)[-1])
        found = _SDIST.match(filename)
        digest = fragment.partition("sha256=")[2]
        if (
            yanked
            or not found
            or not digest
            or canonicalize_name(found["name"]) != canonicalize_name(name)
        ):
            continue
        try:
            version = Version(found["version"])
        except InvalidVersion:
            continue
        if wanted.contains(version, prereleases=False) and (best is None or version > best[0]):
            best = (version, url, digest)
    return (best[1], best[2]) if best else None


def download_sdist(
    url: str, sha256: str, dest: Path, credentials: tuple[str, str] = ("", ""), timeout: float = 120
) -> Path:
    """Save the sdist at ``url`` into ``dest`` after checking its sha256 (OSError otherwise)."""
    data = _open(url, credentials, timeout)
    if hashlib.sha256(data).hexdigest() != sha256.lower():
        raise OSError(f"{url} does not have the sha256 the index gives")
    filename = Path(urllib.parse.unquote(url.rsplit("/", 1)[-1])).name
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / filename
    path.write_bytes(data)
    return path


def local_requirements(folder: Path) -> list[str]:
    """``name @ file:///…`` for each sdist saved in ``folder``: the offline build takes these
    files, never an index's copy of the same name (which it could not download)."""
    found = []
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        match = _SDIST.match(path.name)
        if match and path.is_file() and not path.is_symlink():
            found.append(f"{canonicalize_name(match['name'])} @ {path.resolve().as_uri()}")
    return found


#: The largest metadata file read from an archive.
MAX_METADATA_BYTES = 1024 * 1024


def _members(path: Path) -> dict[str, bytes]:
    """``PKG-INFO``, ``pyproject.toml``, ``setup.py`` and ``*.egg-info/requires.txt`` of the
    sdist at ``path`` (read, not run)."""
    wanted = re.compile(
        r"^[^/]+/(PKG-INFO|pyproject\.toml|setup\.py|[^/]+\.egg-info/requires\.txt)$"
    )
    found: dict[str, bytes] = {}
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if wanted.match(info.filename) and info.file_size <= MAX_METADATA_BYTES:
                    found[info.filename.split("/", 1)[1]] = archive.read(info)
        return found
    with tarfile.open(path, "r:gz") as archive:
        for member in archive.getmembers():
            if wanted.match(member.name) and member.isfile() and member.size <= MAX_METADATA_BYTES:
                handle = archive.extractfile(member)
                if handle is not None:
                    found[member.name.split("/", 1)[1]] = handle.read()
    return found


def declared_requirements(path: Path) -> list[str]:
    """What the sdist at ``path`` says it needs, read from its ``PKG-INFO`` (``Requires-Dist``)
    or, for older ones, its ``*.egg-info/requires.txt`` (the unconditional part): fetched as
    wheels before the offline build makes the sdist. Nothing is unpacked or run."""
    try:
        members = _members(path)
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError):
        return []
    info = members.get("PKG-INFO", b"").decode("utf-8", "replace")
    listed = email.parser.Parser().parsestr(info, headersonly=True).get_all("Requires-Dist") or []
    if listed:
        return [str(item).strip() for item in listed]
    for name, data in members.items():
        if name.endswith("requires.txt"):
            text = data.decode("utf-8", "replace").split("\n[", 1)[0]
            return [line.strip() for line in text.splitlines() if line.strip()]
    return []


def build_requirements(path: Path) -> list[str]:
    """What building the sdist at ``path`` needs: its ``[build-system] requires`` (setuptools
    and wheel without one; :func:`aomaas.engine.prefetch.build_requirements`) and the literal
    ``setup_requires`` of its ``setup()`` (flake8-mutable's ``pytest-runner``; read as the
    index reads setup.py). Nothing is unpacked or run."""
    try:
        members = _members(path)
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError):
        return []
    try:
        pyproject = tomllib.loads(members.get("pyproject.toml", b"").decode("utf-8", "replace"))
    except tomllib.TOMLDecodeError:
        pyproject = {}
    setup_py = decode_text(members.get("setup.py", b""), python=True) or ""
    setup = extract_facts("setup.py", "manifest", setup_py) if setup_py else {}
    return build_requirements_of(pyproject) + list(setup.get("setup_requires", []))
