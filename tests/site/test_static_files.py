"""Static files under content fingerprints (issue 22, "HTTP caching"): every URL a page names carries the hash of
the file's content and is cached for a year; any other URL for the same file is not."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import pytest
from flask import url_for

from marketplace import ROOT, assets
from marketplace.assets import Manifest
from tests.conftest import login

STATIC = ROOT / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
STATIC_URL = re.compile(r"""/static/[^"'\s)]+""")


def _content_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def base_url_name(manifest: Manifest, name: str) -> str:
    return manifest.url_name(name).rpartition("/")[2]


@pytest.fixture
def static_folder(tmp_path: Path) -> Path:
    """A static folder of its own: a stylesheet that names an icon, a font, another stylesheet and things that
    are not static files."""
    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)
    (folder / "icons").mkdir()
    (folder / "fonts").mkdir()
    (folder / "icons" / "arrow.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (folder / "fonts" / "body.woff2").write_bytes(b"wOF2 not really")
    (folder / "css" / "base.css").write_text("body { margin: 0 }\n")
    (folder / "css" / "page.css").write_text(
        '@import "base.css";\n'
        ".next { background: url(../icons/arrow.svg) no-repeat }\n"
        "@font-face { src: url('/static/fonts/body.woff2?#iefix') format('woff2') }\n"
        ".dot { background: url(data:image/png;base64,AAAA) }\n"
        ".gone { background: url(\"../icons/missing.svg\") }\n"
        ".elsewhere { background: url(https://example.org/x.png) }\n"
    )
    return folder


@pytest.fixture
def own_static_client(web_app, static_folder):
    """The test client of an app serving ``static_folder``."""
    web_app.static_folder = str(static_folder)
    web_app.extensions["assets"].build(str(static_folder))
    return web_app.test_client()


def test_a_page_names_every_static_file_by_its_content_and_each_is_kept_a_year(client, region):
    login(client, "member@a.example")
    page = client.get("/").get_data(as_text=True)
    urls = STATIC_URL.findall(page)
    assert {"/static/css/site.css", "/static/js/nav.js", "/static/icons/logo.svg"} <= {
        "/static/" + assets.unfingerprinted_name(url.removeprefix("/static/")) for url in urls}
    for url in urls:
        name = assets.unfingerprinted_name(url.removeprefix("/static/"))
        assert url == f"/static/{name.rpartition('.')[0]}.{_content_hash(STATIC / name)}.{name.rpartition('.')[2]}"
        response = client.get(url)
        assert response.status_code == 200 and response.data == (STATIC / name).read_bytes(), url
        assert response.headers["Cache-Control"] == IMMUTABLE, url
        # The security headers still apply; a response every cache may keep carries nobody's session.
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", ""), url


def test_templates_name_static_files_only_through_url_for():
    """A hand-written /static/ path would skip the fingerprint, and with it the year of caching."""
    hand_written = [str(path.relative_to(ROOT)) for path in (ROOT / "templates").rglob("*.html")
                    if re.search(r"""["'(]/static/""", path.read_text(encoding="utf-8"))]
    assert hand_written == []


def test_the_fingerprint_changes_with_the_content(static_folder):
    before = Manifest(str(static_folder), "/static").url_name("icons/arrow.svg")
    (static_folder / "icons" / "arrow.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="2"/>')
    after = Manifest(str(static_folder), "/static")
    assert after.url_name("icons/arrow.svg") == f"icons/arrow.{_content_hash(static_folder / 'icons/arrow.svg')}.svg"
    assert after.url_name("icons/arrow.svg") != before and after.current(before) is None


def test_in_debug_mode_a_changed_file_gets_its_new_fingerprint_at_once(static_folder):
    manifest = Manifest(str(static_folder), "/static", watch=True)
    before = manifest.url_name("css/base.css")
    (static_folder / "css" / "base.css").write_text("body { margin: 1rem }\n")
    assert manifest.url_name("css/base.css") != before
    page_css = manifest.by_name["css/page.css"]  # it imports base.css, so its own fingerprint changes too
    assert base_url_name(manifest, "css/base.css") in page_css.body.decode()


def test_another_fingerprint_answers_the_current_file_but_never_for_keeps(client):
    current = (STATIC / "css" / "site.css").read_bytes()
    stale = client.get("/static/css/site.000000000000.css")
    assert stale.status_code == 200 and stale.data == current
    assert "immutable" not in stale.headers["Cache-Control"] and "no-cache" in stale.headers["Cache-Control"]
    assert client.get("/static/css/nothing.000000000000.css").status_code == 404


def test_a_file_replaced_under_the_running_app_is_not_promised_under_its_old_fingerprint(own_static_client,
                                                                                         static_folder):
    with own_static_client.application.test_request_context():
        url = url_for("static", filename="icons/arrow.svg")
    assert own_static_client.get(url).headers["Cache-Control"] == IMMUTABLE
    (static_folder / "icons" / "arrow.svg").write_text("<svg/>")  # a checkout before the restart
    replaced = own_static_client.get(url)
    assert replaced.data == b"<svg/>" and replaced.headers["Cache-Control"] == "public, no-cache"


def test_a_plain_static_url_is_kept_briefly_and_revalidated(client):
    plain = client.get("/static/css/site.css")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "public, max-age=300"
    assert plain.headers["ETag"] and plain.headers["Last-Modified"]
    assert client.get("/static/css/site.css", headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304


def test_a_stylesheet_names_the_files_it_uses_by_their_fingerprints(own_static_client, static_folder):
    manifest = Manifest(str(static_folder), "/static")
    page_css = manifest.by_name["css/page.css"]
    with own_static_client.application.test_request_context():
        url = url_for("static", filename="css/page.css")
    assert url == f"/static/{page_css.url_name}"
    response = own_static_client.get(url)
    assert response.headers["Cache-Control"] == IMMUTABLE and response.mimetype == "text/css"
    served = response.get_data(as_text=True)
    assert served.encode() == page_css.body and page_css.url_name.split(".")[1] == hashlib.sha256(
        page_css.body).hexdigest()[:12]  # the fingerprint is the hash of what is served
    arrow, font, base = (manifest.url_name(name) for name in ("icons/arrow.svg", "fonts/body.woff2", "css/base.css"))
    assert f"url(../{arrow})" in served and f"url('/static/{font}?#iefix')" in served
    assert f'@import "{base.removeprefix("css/")}"' in served
    # Not static files, or none that exists: left as written.
    assert "url(data:image/png;base64,AAAA)" in served and 'url("../icons/missing.svg")' in served
    assert "url(https://example.org/x.png)" in served
    # Each reference, resolved against the stylesheet's URL, is a fingerprinted file kept a year.
    for reference in (f"/static/{arrow}", f"/static/{font}", f"/static/{base}"):
        answer = own_static_client.get(reference)
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == IMMUTABLE, reference
    # The file as written, for its plain URL.
    assert own_static_client.get("/static/css/page.css").data == (static_folder / "css" / "page.css").read_bytes()
    revalidated = own_static_client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert revalidated.status_code == 304


def test_every_reference_in_the_shipped_stylesheets_is_fingerprinted(client):
    manifest = client.application.extensions["assets"]
    for name in (path.relative_to(STATIC).as_posix() for path in STATIC.rglob("*.css")):
        served = client.get(f"/static/{manifest.url_name(name)}").get_data(as_text=True)
        for match in assets.CSS_REFERENCE.finditer(served):
            target = match["target"] or match["import_target"]
            if target.startswith(("data:", "#", "https:", "http:")):
                continue
            resolved = target if target.startswith("/") else f"/static/{Path(name).parent.as_posix()}/{target}"
            assert assets.unfingerprinted_name(resolved.split("?")[0].split("#")[0]), (name, target)


def test_collect_writes_both_names_and_gzip_copies_for_nginx(app, runner, tmp_path):
    target = tmp_path / "public" / "static"
    (target / "css").mkdir(parents=True)
    (target / "css" / "site.0123456789ab.css").write_text("/* the previous release */")
    result = runner.invoke(args=["static", "collect", str(target)])
    assert result.exit_code == 0, result.output
    url_name = app.extensions["assets"].url_name("css/site.css")
    site_css = (STATIC / "css" / "site.css").read_bytes()
    assert (target / "css" / "site.css").read_bytes() == site_css == (target / url_name).read_bytes()
    assert gzip.decompress((target / f"{url_name}.gz").read_bytes()) == site_css
    assert (target / "css" / "site.0123456789ab.css").exists()  # kept for pages of the previous release
    assert not list(target.rglob(".*.tmp"))
