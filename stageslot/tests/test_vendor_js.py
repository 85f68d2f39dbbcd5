"""bin/vendor_js.py, which `make vendor-js` runs: the map libraries come from pinned npm tarballs,
checked against their sha256 before a file is taken out of them. No network here: a small tarball
made in the test stands in for the registry."""

import hashlib
import importlib.util
import io
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
_spec = importlib.util.spec_from_file_location("vendor_js", ROOT / "bin" / "vendor_js.py")
vendor_js = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(vendor_js)


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


FILES = {
    "package/LICENSE": b"MIT\n",
    "package/dist/tiny.js": b"window.Tiny = 1;\n",
    "package/dist/images/pin.png": b"\x89PNG fake",
    "package/src/unused.js": b"not wanted\n",
    "package/../../escape.txt": b"never written\n",
}
DATA = tarball(FILES)


def package(data: bytes = DATA, **files: str):
    return vendor_js.Package(
        name="tiny",
        version="1.0.0",
        sha256=hashlib.sha256(data).hexdigest(),
        files=files
        or {
            "package/LICENSE": "LICENSE",
            "package/dist/tiny.js": "tiny.js",
            "package/dist/images/pin.png": "images/pin.png",
        },
    )


def every_file(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_only_the_listed_files_are_taken_out_with_their_sums(tmp_path):
    vendor_js.extract(package(), DATA, tmp_path)
    assert every_file(tmp_path) == {
        "tiny-1.0.0/LICENSE",
        "tiny-1.0.0/tiny.js",
        "tiny-1.0.0/images/pin.png",
        "tiny-1.0.0/SHA256SUMS",
    }
    assert (tmp_path / "tiny-1.0.0" / "tiny.js").read_bytes() == b"window.Tiny = 1;\n"
    sums = (tmp_path / "tiny-1.0.0" / "SHA256SUMS").read_text().splitlines()
    assert sums[0] == f"# https://registry.npmjs.org/tiny/-/tiny-1.0.0.tgz sha256 {package().sha256}"
    assert hashlib.sha256(FILES["package/LICENSE"]).hexdigest() + "  LICENSE" in sums
    assert vendor_js.problems(package(), tmp_path) == []


def test_a_tarball_that_is_not_the_pinned_one_changes_nothing(tmp_path):
    other = tarball({**FILES, "package/dist/tiny.js": b"window.Tiny = 'something else';\n"})
    with pytest.raises(vendor_js.VendorError, match="not the pinned"):
        vendor_js.extract(package(), other, tmp_path)
    assert every_file(tmp_path) == set()


def test_a_tarball_without_a_listed_file_changes_nothing(tmp_path):
    pinned = package(DATA, **{"package/LICENSE": "LICENSE", "package/dist/missing.js": "missing.js"})
    with pytest.raises(vendor_js.VendorError, match=r"has no package/dist/missing\.js"):
        vendor_js.extract(pinned, DATA, tmp_path)
    assert every_file(tmp_path) == set()


def test_files_that_check_out_are_not_fetched_again_and_changed_ones_are(tmp_path, monkeypatch):
    monkeypatch.setattr(vendor_js, "PACKAGES", (package(),))
    fetched, said = [], []

    def fetch(url):
        fetched.append(url)
        return DATA

    assert vendor_js.vendor(tmp_path, fetch=fetch, say=said.append) == 0
    assert fetched == ["https://registry.npmjs.org/tiny/-/tiny-1.0.0.tgz"]
    assert vendor_js.vendor(tmp_path, fetch=fetch, say=said.append) == 0
    assert len(fetched) == 1 and said[-1] == "tiny-1.0.0: up to date"

    (tmp_path / "tiny-1.0.0" / "tiny.js").write_text("window.Tiny = 'edited by hand';\n")
    assert vendor_js.problems(package(), tmp_path) == [
        f"{tmp_path}/tiny-1.0.0/tiny.js differs from the file in the tarball"
    ]
    assert vendor_js.vendor(tmp_path, fetch=fetch, say=said.append) == 0
    assert len(fetched) == 2
    assert (tmp_path / "tiny-1.0.0" / "tiny.js").read_bytes() == b"window.Tiny = 1;\n"


def test_a_registry_that_serves_something_else_fails_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(vendor_js, "PACKAGES", (package(),))
    said = []
    status = vendor_js.vendor(tmp_path, fetch=lambda url: tarball({"package/LICENSE": b"?"}), say=said.append)
    assert status == 1
    assert "not the pinned" in said[-1]
    assert every_file(tmp_path) == set()


def test_the_committed_map_libraries_are_the_pinned_tarballs_files():
    """What static/vendor/ holds is what the pinned tarballs hold (checked offline, by their sums)."""
    dest = ROOT / "static" / "vendor"
    for pinned in vendor_js.PACKAGES:
        assert vendor_js.problems(pinned, dest) == [], pinned.folder
        licence = (dest / pinned.folder / "LICENSE").read_text()
        assert "Copyright" in licence


def test_make_runs_the_check_before_serving_and_testing():
    makefile = (ROOT / "Makefile").read_text()
    assert "vendor-js: ##" in makefile
    assert "\t@$(PYTHON) bin/vendor_js.py" in makefile
    for target in ("run: $(VENV)/.runtime vendor-js", "serve: $(VENV)/.runtime vendor-js", "vendor: vendor-js"):
        assert target in makefile
