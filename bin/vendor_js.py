#!/usr/bin/env python3
"""Vendor the map and chart libraries (Leaflet, Leaflet.markercluster, Chart.js) into static/vendor/ from
the npm registry.

    python bin/vendor_js.py [--dest static/vendor] [--refresh]

Each package is a pinned tarball, checked against its pinned sha256 before anything is taken out of
it; only the files the pages load (and the licence) are extracted, under names we choose, so nothing
in the tarball decides where a file lands. Each vendored folder gets a SHA256SUMS naming the tarball
it came from and the sha256 of every file taken out of it.

The extracted files are committed (docs/decisions/0023-maps.md), so a run without --refresh only
checks them: when every folder's SHA256SUMS names the pinned tarball and every file matches it,
nothing is fetched (this works offline). A missing, changed or outdated folder is fetched again.
--refresh always fetches and extracts. Standard library only: a fresh machine has Python, not npm.
"""

import argparse
import hashlib
import io
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"
ROOT = Path(__file__).resolve().parent.parent
SUMS = "SHA256SUMS"
MAX_BYTES = 20 * 1024 * 1024  # each tarball is about 1 MB


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    sha256: str  # of the tarball the registry serves
    files: dict[str, str]  # member of the tarball -> name in the vendored folder

    @property
    def url(self) -> str:
        return f"{REGISTRY}/{self.name}/-/{self.name}-{self.version}.tgz"

    @property
    def folder(self) -> str:
        return f"{self.name}-{self.version}"


LEAFLET_IMAGES = ("layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png")
PACKAGES = (
    Package(
        name="leaflet",
        version="1.9.4",
        sha256="84c65a256e50657896f54c33bd857b6849ebe94c817803be818bf32a3dde0b77",
        files={
            "package/LICENSE": "LICENSE",
            "package/dist/leaflet.js": "leaflet.js",
            # The source map the script names on its last line: the hashed static files storage
            # refuses a script that points at a file that is not there.
            "package/dist/leaflet.js.map": "leaflet.js.map",
            "package/dist/leaflet.css": "leaflet.css",
            **{f"package/dist/images/{name}": f"images/{name}" for name in LEAFLET_IMAGES},
        },
    ),
    Package(
        name="leaflet.markercluster",
        version="1.5.3",
        sha256="fc6b0b1d00b6c708ae54e43ee4a11ac345e41660e19f0a570190bb35babb1a1c",
        files={
            "package/MIT-LICENCE.txt": "LICENSE",
            "package/dist/leaflet.markercluster.js": "leaflet.markercluster.js",
            "package/dist/leaflet.markercluster.js.map": "leaflet.markercluster.js.map",
            "package/dist/MarkerCluster.css": "MarkerCluster.css",
            "package/dist/MarkerCluster.Default.css": "MarkerCluster.Default.css",
        },
    ),
    # The analytics charts (docs/decisions/0042-analytics.md): the UMD build sets window.Chart.
    Package(
        name="chart.js",
        version="4.6.1",
        sha256="9345dacdf4bb4c5d40321f4b9aafab6fe676d37a534fc0bc2d17c4c4e29c4f00",
        files={
            "package/LICENSE.md": "LICENSE",
            "package/dist/chart.umd.min.js": "chart.umd.min.js",
            "package/dist/chart.umd.min.js.map": "chart.umd.min.js.map",
        },
    ),
)


class VendorError(Exception):
    """A tarball that is not the pinned one, or lacks a file we take from it."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (a fixed https address)
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise VendorError(f"{url} is larger than {MAX_BYTES} bytes.")
    return data


def check_tarball(package: Package, data: bytes) -> None:
    """Raise VendorError unless `data` is the pinned tarball of `package`."""
    found = sha256_of(data)
    if found != package.sha256:
        raise VendorError(
            f"{package.name} {package.version}: the tarball's sha256 is {found}, not the pinned {package.sha256}. "
            "Nothing was changed."
        )


def extract(package: Package, data: bytes, dest: Path) -> list[Path]:
    """Write the package's listed files from the checked tarball `data` into dest/<name>-<version>/,
    with a SHA256SUMS; the files are read in full before any is written."""
    check_tarball(package, data)
    contents: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member, name in package.files.items():
            try:
                info = tar.getmember(member)
            except KeyError:
                raise VendorError(f"{package.name} {package.version}: the tarball has no {member}.") from None
            handle = tar.extractfile(info) if info.isfile() else None
            if handle is None:
                raise VendorError(f"{package.name} {package.version}: {member} is not a file.")
            contents[name] = handle.read()
    folder = dest / package.folder
    written = []
    for name, content in contents.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    lines = [f"# {package.url} sha256 {package.sha256}"]
    lines += [f"{sha256_of(content)}  {name}" for name, content in sorted(contents.items())]
    (folder / SUMS).write_text("\n".join(lines) + "\n")
    return written


def problems(package: Package, dest: Path) -> list[str]:
    """What is wrong with the vendored folder of `package` (empty when it is the pinned tarball's files)."""
    folder = dest / package.folder
    sums = folder / SUMS
    if not sums.is_file():
        return [f"{folder} has no {SUMS}"]
    header, *lines = sums.read_text().splitlines()
    if header != f"# {package.url} sha256 {package.sha256}":
        return [f"{sums} names another tarball than the pinned {package.name} {package.version}"]
    listed = {}
    for line in lines:
        digest, _, name = line.partition("  ")
        listed[name] = digest
    found = []
    if set(listed) != set(package.files.values()):
        found.append(f"{sums} does not list the files {package.name} is vendored with")
    for name, digest in listed.items():
        path = folder / name
        if not path.is_file():
            found.append(f"{path} is missing")
        elif sha256_of(path.read_bytes()) != digest:
            found.append(f"{path} differs from the file in the tarball")
    return found


def vendor(dest: Path, *, refresh: bool = False, fetch=fetch, say=print) -> int:
    """Check, and fetch where needed, every package into `dest`. Returns the exit status."""
    status = 0
    for package in PACKAGES:
        found = [] if refresh else problems(package, dest)
        if not refresh and not found:
            say(f"{package.folder}: up to date")
            continue
        for problem in found:
            say(f"{package.folder}: {problem}")
        say(f"{package.folder}: fetching {package.url}")
        try:
            extract(package, fetch(package.url), dest)
        except (VendorError, OSError) as exc:
            say(f"{package.folder}: {exc}")
            status = 1
            continue
        say(f"{package.folder}: extracted into {dest / package.folder}")
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=ROOT / "static" / "vendor")
    parser.add_argument("--refresh", action="store_true", help="fetch and extract even when the files check out")
    args = parser.parse_args(argv)
    return vendor(args.dest, refresh=args.refresh)


if __name__ == "__main__":
    sys.exit(main())
