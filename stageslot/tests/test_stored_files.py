"""Every door that serves or reads a stored file goes through core.files.stored_files, so a file its row
still lists but the storage no longer has is a clear 404 there, never a 500 (docs/decisions/0059).

Read from the source with `ast`, no imports run: outside core/files/stored_files.py, no module of ours
(tests and migrations left out) makes a FileResponse, reads a model's stored file (`row.file.open()`,
`photo.image.size`, `user.avatar.path`…, the file fields found from the models), or asks a storage for
a file (`storage.open()`, `default_storage.size()`, `storages["booking_files"].listdir()`…). Writing
and deleting stay where they are (`.save()`, `.delete()`, `.url`, `.name` read no bytes). A new view
that serves a stored file its own way fails here; give it stored_file_response instead.
"""

import ast
import os
from pathlib import Path

from django.apps import apps
from django.db import models

from stageslot.tests import source as shared

ROOT = Path(__file__).resolve().parents[2]
HELPER = "core/files/stored_files.py"
OUR_APPS = {path.parent.name for path in ROOT.glob("*/apps.py")} | {"stageslot"}
# What reads a stored file's bytes or asks the storage about it, on a FieldFile (row.file.<read>) …
FIELD_FILE_READS = {"open", "read", "readlines", "chunks", "multiple_chunks", "path", "size", "width", "height"}
# … and on a storage (storage.<read>(name)).
STORAGE_READS = {"open", "path", "size", "exists", "listdir", "get_modified_time", "get_created_time"}
STORAGE_NAMES = {"storage", "default_storage", "booking_files_storage"}


def file_fields() -> set[str]:
    """The names of our models' file and image fields (file, image, avatar…)."""
    return {
        field.name
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    }


def _is_storage(node: ast.AST) -> bool:
    """`storage`, `default_storage`, `x.storage`, `storages[...]`, `booking_files_storage()`."""
    if isinstance(node, ast.Name):
        return node.id in STORAGE_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in STORAGE_NAMES
    if isinstance(node, ast.Subscript):
        return isinstance(node.value, ast.Name | ast.Attribute) and getattr(
            node.value, "id", getattr(node.value, "attr", "")
        ) in ("storages",)
    if isinstance(node, ast.Call):
        return _is_storage(node.func)
    return False


def offenders_in(source: str, fields: set[str], where: str = "<source>") -> list[str]:
    """`where:line what` for every stored-file read in `source` that does not go through the helper."""
    found = []
    for node in shared.walk(source, filename=where):
        if isinstance(node, ast.alias) and node.name.rpartition(".")[2] == "FileResponse":
            found.append(f"{where}:{node.lineno} imports FileResponse")
        elif isinstance(node, ast.Name) and node.id == "FileResponse":
            found.append(f"{where}:{node.lineno} FileResponse")
        elif isinstance(node, ast.Attribute):
            receiver = node.value
            if node.attr == "FileResponse":
                found.append(f"{where}:{node.lineno} FileResponse")
            elif node.attr in FIELD_FILE_READS and isinstance(receiver, ast.Attribute) and receiver.attr in fields:
                found.append(f"{where}:{node.lineno} .{receiver.attr}.{node.attr}")
            elif node.attr in STORAGE_READS and _is_storage(receiver):
                found.append(f"{where}:{node.lineno} storage.{node.attr}")
    return found


def _project_files():
    for app in sorted(OUR_APPS):
        for folder, subfolders, files in os.walk(ROOT / app):
            subfolders[:] = [name for name in subfolders if name not in ("tests", "migrations", "__pycache__")]
            for name in files:
                if name.endswith(".py"):
                    path = Path(folder) / name
                    yield path.relative_to(ROOT).as_posix(), path


def test_our_models_have_stored_files_to_guard():
    assert {"file", "image", "avatar"} <= file_fields()


def test_the_scan_finds_every_way_of_reading_a_stored_file():
    """The scan can fail: each of these is one door serving a stored file its own way."""
    fields = file_fields()
    doors = """
from django.http import FileResponse
from django.core.files.storage import default_storage, storages
import django.http
def a(row): return FileResponse(row.file.open("rb"))
def b(row): return django.http.FileResponse(row.file)
def c(photo): return photo.image.size, photo.image.width, photo.image.path
def d(user): return user.avatar.read()
def e(row): return row.file.storage.open(row.file.name)
def f(name): return default_storage.open(name), storages["booking_files"].size(name)
def g(name, storage): return storage.exists(name), booking_files_storage().listdir("bookings")
"""
    found = offenders_in(doors, fields)
    assert {line.split()[0] for line in found} == {f"<source>:{n}" for n in (2, 5, 6, 7, 8, 9, 10, 11)}, found
    assert len(found) == 13, found  # each read on a line counted
    # What reads no bytes is left alone: writing, deleting, addresses, names, a column called size.
    harmless = """
def h(row, upload, storage, image):
    row.file.save("upload", upload, save=False)
    storage.delete(row.file.name)
    return row.file.url, row.file.name, row.size, upload.size, image.size, path.open("w")
"""
    assert offenders_in(harmless, fields) == []


def test_only_the_helper_reads_stored_files():
    fields = file_fields()
    offenders, helper = [], []
    for relative, path in _project_files():
        found = offenders_in(path.read_text(encoding="utf-8"), fields, relative)
        (helper if relative == HELPER else offenders).extend(found)
    assert not offenders, "serve stored files through core.files.stored_files: " + ", ".join(offenders)
    assert helper, "the helper itself opens files: the scan would see it"


def test_the_doors_that_serve_stored_files_use_the_helper():
    """The downloads of a booking's files (page and API) are the helper's, by name."""
    for relative in ("bookings/views/files.py", "bookings/api/threads.py"):
        assert "stored_file_response(" in (ROOT / relative).read_text(encoding="utf-8"), relative
