"""Static files under content fingerprints, so browsers and proxies keep them for a year without asking again.

Every URL the app makes for a file in ``static/`` names a hash of the file's content: ``url_for('static',
filename='css/site.css')`` gives ``/static/css/site.3f9a0c1b2d4e.css``. A changed file gets a new URL, so the old
one may be cached for ever (``immutable``). The hashes are computed once, when the app starts, and a URL is one
dictionary look-up away; in development (and debug mode) every look-up first checks whether a file changed, so an
edited stylesheet shows on the next page without a restart.

A stylesheet's ``url(...)`` and ``@import`` references to other static files are fingerprinted likewise, and its
own fingerprint is the hash of the stylesheet as served, so a new icon gives the stylesheet a new URL too.

The same file answers three ways:
- its current fingerprint: ``Cache-Control: public, max-age=31536000, immutable``;
- another fingerprint (a page of the previous release, or of the next one on a host not yet upgraded), or the
  current one of a file replaced since the app started: the file as it is now, revalidated on every use
  (``no-cache``), never kept under a fingerprint it may not match;
- no fingerprint (a bookmark, a link from elsewhere): five minutes, then revalidated (ETag, Last-Modified).

``marketplace static collect DIR`` writes the files, their fingerprinted names and gzip copies for nginx to serve
from disk (docs/operations.md, "nginx").
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask, Response, current_app, request, send_from_directory
from flask.cli import with_appcontext
from werkzeug.routing import PathConverter

FINGERPRINT_LENGTH = 12
ONE_YEAR = 365 * 24 * 3600
CACHE_BRIEFLY = "public, max-age=300"
CACHE_STALE_FINGERPRINT = "public, no-cache"
COMPRESSIBLE_SUFFIXES = frozenset({".css", ".js", ".svg", ".csv", ".json", ".txt", ".html", ".xml"})

FINGERPRINTED_NAME = re.compile(rf"^(?P<stem>.+)\.[0-9a-f]{{{FINGERPRINT_LENGTH}}}(?P<suffix>\.[A-Za-z0-9]+)?$")
CSS_REFERENCE = re.compile(
    r"""(?P<head>url\(\s*(?P<quote>['"]?))(?P<target>[^'"()\s]+)(?P=quote)(?P<tail>\s*\))"""
    r"""|(?P<import_head>@import\s+(?P<import_quote>['"]))(?P<import_target>[^'"]+)(?P=import_quote)"""
)
HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def cache_forever(response: Response, *, private: bool) -> Response:
    """Let the response be kept for a year and never revalidated: for URLs whose content cannot change (a
    fingerprinted static file; a photo variant, as a photo never changes its picture). ``private`` keeps it out
    of shared caches, for what depends on who asks."""
    response.headers["Cache-Control"] = f"{'private' if private else 'public'}, max-age={ONE_YEAR}, immutable"
    return response


def fingerprinted_name(name: str, content: bytes) -> str:
    """``css/site.css`` → ``css/site.<12 hex digits of the SHA-256 of content>.css``."""
    digest = hashlib.sha256(content).hexdigest()[:FINGERPRINT_LENGTH]
    folder, base = posixpath.split(name)
    stem, dot, suffix = base.rpartition(".")
    base = f"{stem}.{digest}.{suffix}" if dot and stem else f"{base}.{digest}"
    return posixpath.join(folder, base)


def unfingerprinted_name(name: str) -> str | None:
    """``css/site.3f9a0c1b2d4e.css`` → ``css/site.css``; None when ``name`` carries no fingerprint."""
    folder, base = posixpath.split(name)
    match = FINGERPRINTED_NAME.match(base)
    return posixpath.join(folder, match["stem"] + (match["suffix"] or "")) if match else None


@dataclass(frozen=True)
class Asset:
    name: str  # as in url_for: css/site.css
    url_name: str  # css/site.3f9a0c1b2d4e.css
    body: bytes | None  # a stylesheet whose references were fingerprinted; None: the file on disk is served


class Manifest:
    """The fingerprint of every file under ``folder``, computed from the files as they are when it is built."""

    def __init__(self, folder: str, static_url_path: str, *, watch: bool = False) -> None:
        self.static_url_path, self.watch = static_url_path.rstrip("/"), watch
        self.build(folder)

    def build(self, folder: str) -> None:
        """Fingerprint the files under ``folder`` as they are now (and serve those)."""
        self.folder = Path(folder)
        self._build()

    def url_name(self, name: str) -> str:
        """The fingerprinted name to put in a URL; an unknown name as it is (Flask's 404 then says so)."""
        if self.watch:
            self._rebuild_if_changed()
        asset = self.by_name.get(name)
        return asset.url_name if asset is not None else name

    def current(self, url_name: str) -> Asset | None:
        if self.watch:
            self._rebuild_if_changed()
        return self.by_url_name.get(url_name)

    def unchanged(self, asset: Asset) -> bool:
        """Whether the file on disk is still the one fingerprinted (one stat): a file replaced under a running
        process (a checkout before the restart) must not be promised for ever under the old fingerprint."""
        if asset.body is not None:
            return True  # served from memory, as hashed
        try:
            status = os.stat(self.folder / asset.name)
        except OSError:
            return False
        return (status.st_mtime_ns, status.st_size) == self._built_from.get(asset.name)

    def _stamps(self) -> dict[str, tuple[int, int]]:
        stamps = {}
        for directory, folders, files in os.walk(self.folder):
            folders[:] = sorted(folder for folder in folders if not folder.startswith("."))
            for file in sorted(files):
                if not file.startswith("."):
                    path = os.path.join(directory, file)
                    status = os.stat(path)
                    stamps[os.path.relpath(path, self.folder).replace(os.sep, "/")] = (status.st_mtime_ns,
                                                                                        status.st_size)
        return stamps

    def _rebuild_if_changed(self) -> None:
        if self._stamps() != self._built_from:
            self._build()

    def _build(self) -> None:
        self._built_from = self._stamps()
        self.by_name: dict[str, Asset] = {}
        for name in self._built_from:
            self._fingerprint(name, visiting=set())
        self.by_url_name = {asset.url_name: asset for asset in self.by_name.values()}

    def _fingerprint(self, name: str, visiting: set[str]) -> Asset | None:
        if name in self.by_name or name in visiting:  # done, or an @import cycle: left unfingerprinted
            return self.by_name.get(name)
        visiting.add(name)
        content = (self.folder / name).read_bytes()
        references = name.endswith(".css") and (b"url(" in content or b"@import" in content)
        body = self._rewrite_stylesheet(name, content, visiting) if references else None
        if body == content:
            body = None
        asset = Asset(name, fingerprinted_name(name, body if body is not None else content), body)
        self.by_name[name] = asset
        return asset

    def _rewrite_stylesheet(self, name: str, content: bytes, visiting: set[str]) -> bytes:
        folder = posixpath.dirname(name)

        def fingerprinted(target: str) -> str:
            if target.startswith(("#", "//")) or HAS_SCHEME.match(target):
                return target  # data: URIs, fragments, other sites
            path, query = re.match(r"([^?#]*)(.*)", target).groups()
            if path.startswith("/"):
                if not path.startswith(self.static_url_path + "/"):
                    return target
                referenced = path.removeprefix(self.static_url_path + "/")
            else:
                referenced = posixpath.normpath(posixpath.join(folder, path))
            asset = self._fingerprint(referenced, visiting) if referenced in self._built_from else None
            if asset is None:
                return target
            if path.startswith("/"):
                return f"{self.static_url_path}/{asset.url_name}{query}"
            return posixpath.relpath(asset.url_name, folder or ".") + query

        def replace(match: re.Match) -> str:
            if match["target"] is not None:
                return match["head"] + fingerprinted(match["target"]) + match["quote"] + match["tail"]
            return match["import_head"] + fingerprinted(match["import_target"]) + match["import_quote"]

        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return content
        return CSS_REFERENCE.sub(replace, text).encode("utf-8")


def _manifest() -> Manifest:
    return current_app.extensions["assets"]


def fingerprinted_path(manifest: Manifest) -> type[PathConverter]:
    """The static route's ``<path:filename>``, except that a URL built for a file names its fingerprint. A
    converter, not a url_defaults hook: a hook would run for every URL a page builds, this only for static ones;
    and it holds the manifest, so building a URL does not look up the app."""

    class FingerprintedPath(PathConverter):
        def to_url(self, value: str) -> str:
            return super().to_url(manifest.url_name(value))

    return FingerprintedPath


def static_file(filename: str) -> Response:
    """The static view: see the module docstring for the three answers."""
    return current_app.send_static_file(filename)


def send_static_file(app: Flask, filename: str) -> Response:
    manifest = _manifest()
    asset = manifest.current(filename)
    if asset is not None and manifest.unchanged(asset):
        if asset.body is None:
            response = send_from_directory(app.static_folder, asset.name, max_age=ONE_YEAR)
        else:
            response = Response(asset.body, mimetype=mimetypes.guess_type(asset.name)[0])
            response.set_etag(asset.url_name)
            response.make_conditional(request)
        return cache_forever(response, private=False)
    if asset is not None:  # its fingerprint, but the file has changed since
        name, cache_control = asset.name, CACHE_STALE_FINGERPRINT
    elif filename in manifest.by_name or unfingerprinted_name(filename) is None:
        name, cache_control = filename, CACHE_BRIEFLY
    else:
        name, cache_control = unfingerprinted_name(filename), CACHE_STALE_FINGERPRINT
    response = send_from_directory(app.static_folder, name)  # 404 when there is no such file
    response.headers["Cache-Control"] = cache_control
    return response


def collect(manifest: Manifest, target: Path) -> int:
    """Write every static file under its own and its fingerprinted name into ``target``, with a gzip copy of
    each text file (nginx's ``gzip_static``). Files already there stay: the previous release's fingerprints
    keep working while its pages are still open, and after a rollback. Returns the number of files written."""
    written = 0
    for asset in manifest.by_name.values():
        original = (manifest.folder / asset.name).read_bytes()
        for name, content in ((asset.name, original), (asset.url_name, asset.body or original)):
            variants = [(name, content)]
            if Path(name).suffix in COMPRESSIBLE_SUFFIXES:
                variants.append((name + ".gz", gzip.compress(content, compresslevel=9, mtime=0)))
            for variant_name, variant in variants:
                _write_atomically(target / variant_name, variant)
                written += 1
    return written


def _write_atomically(path: Path, content: bytes) -> None:
    """nginx may be serving the old file this very moment: it sees the old one or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)


static_group = click.Group("static", help="Static files (CSS, JavaScript, icons) for the web server.")


@static_group.command("collect")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def collect_command(target: Path) -> None:
    """Write the static files, under their names and their fingerprinted names, with gzip copies, into TARGET
    for nginx to serve (docs/operations.md, "nginx"). Run it after every upgrade."""
    count = collect(_manifest(), target)
    click.echo(f"Wrote {count} files to {target}.")


def init_app(app: Flask, folder: Path) -> None:
    """Serve ``folder`` at ``app.static_url_path`` (the app is made with ``static_folder=None``, so that Flask's
    own static route, with a plain path converter, is not added)."""
    app.static_folder = str(folder)
    watch = app.debug or app.config["ENV"] == "development"
    manifest = app.extensions["assets"] = Manifest(app.static_folder, app.static_url_path, watch=watch)
    app.url_map.converters["fingerprinted"] = fingerprinted_path(manifest)
    app.add_url_rule(f"{app.static_url_path}/<fingerprinted:filename>", endpoint="static", view_func=static_file)
    app.cli.add_command(static_group)
