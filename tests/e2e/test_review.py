"""The review app in a real browser: Debian's chromium, headless, driven by Playwright, over a real run.

The app serves a copy of the session's bundled run (tests/conftest.py::bundled_run) with uvicorn in a thread
on a free localhost port. Playwright never downloads a browser: it launches /usr/bin/chromium.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from broadsheet.config import ReviewConfig
from broadsheet.model.page import Page
from broadsheet.run.corrections.store import DB_NAME, ReviewStore
from broadsheet.serialise.validate import validate_alto, validate_tei

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
USER, PASSWORD = "reviewer", "a long enough password"

pytestmark = [pytest.mark.slow,  # a real browser over the bundled run: out of the fast lane
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="Debian's chromium is not installed (make test installs it)")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serving(out: Path, config: ReviewConfig | None = None) -> Iterator[str]:
    """The review app on OUT, in a thread on a free localhost port; its base URL."""
    import uvicorn

    from broadsheet.apps.review.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(out, config=config), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the review app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def served(bundled_run: tuple[Path, object], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    out = tmp_path_factory.mktemp("review") / "out"
    shutil.copytree(bundled_run[0], out)
    ReviewStore(out / DB_NAME).add_user(USER, PASSWORD)
    with _serving(out) as base:
        yield base, out


def _empty_run(folder: Path, *users: str) -> Path:
    """An output folder with no pages (login and sessions need none) and the given reviewers."""
    (folder / "pages").mkdir(parents=True)
    for user in users:
        ReviewStore(folder / DB_NAME).add_user(user, PASSWORD)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _login(browser: object, base: str, password: str = PASSWORD, user: str = USER) -> object:
    page = browser.new_page(viewport={"width": 1500, "height": 1000})  # type: ignore[attr-defined]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state()
    return page


def test_login_correct_a_line_and_the_tei_changes_and_validates(served: tuple[str, Path], browser: object) -> None:
    base, out = served
    page = _login(browser, base)
    assert page.url == f"{base}/"
    queue = page.locator("ol.queue > li")
    assert queue.count() >= 1
    # The queue is sorted most severe first: the first entry's badge is the worst severity in the queue.
    badges = [queue.nth(i).locator(".badge").first.inner_text() for i in range(queue.count())]
    rank = {"error": 3, "warning": 2, "info": 1}
    assert rank.get(badges[0], 0) == max(rank.get(b, 0) for b in badges)

    page.locator("a.page-link").first.click()
    page.wait_for_load_state("networkidle")
    page_id = page.url.rsplit("/", 1)[-1]
    model_path = out / "pages" / f"{page_id}.json"
    model = Page.model_validate_json(model_path.read_bytes())
    assert page.locator(".overlay .region").count() == len(model.regions)
    assert page.locator("img").evaluate("img => img.naturalWidth") > 0  # the page image was served

    # A line that the TEI holds: the first body line of the first article.
    article = model.articles[0]
    body = next(r for r in model.regions if r.id in article.region_ids and r.type.value == "body" and r.lines)
    line = body.lines[0]
    tei_path = out / "tei" / f"{article.id}.xml"
    tei_before = tei_path.read_bytes()
    new_text = line.text[:4] + "REVIEWED" + line.text[4:]
    form = page.locator(f"li[id='{line.id}'] form")
    form.locator("input[name=value]").fill(new_text)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(f"li[id='{line.id}'] input[name=value]").input_value() == new_text

    tei_after = tei_path.read_bytes()
    assert tei_after != tei_before and b"REVIEWED" in tei_after
    assert validate_tei(tei_after).valid
    alto = (out / "alto" / f"{page_id}.xml").read_bytes()
    assert b"REVIEWED" in alto and validate_alto(alto).valid
    saved = Page.model_validate_json(model_path.read_bytes())
    assert ReviewStore(out / DB_NAME).page_review(page_id, hashlib.sha256(model_path.read_bytes()).hexdigest()) \
        .corrections == 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert next(a for a in manifest["articles"] if a["id"] == article.id)["valid"] is True
    history = ReviewStore(out / DB_NAME).history(page_id, saved.sha256)
    assert [(r.user, r.action, r.element_id, r.before, r.after) for r in history] == [
        (USER, "line-text", line.id, line.text, new_text)]
    assert page.locator("ul.audit li").count() == 1

    if os.environ.get("BROADSHEET_SCREENSHOT"):  # how docs/review-page.png is made
        page.set_viewport_size({"width": 1600, "height": 1000})
        page.check("#show-lines")
        page.screenshot(path=os.environ["BROADSHEET_SCREENSHOT"])

    # Accepting the page takes it out of the queue.
    page.click("#accept-page")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{base}/"
    assert page.locator(f"a.page-link:text-is('{page_id}')").count() == 0
    assert ReviewStore(out / DB_NAME).page_review(page_id, hashlib.sha256(model_path.read_bytes()).hexdigest()) \
        .accepted
    page.close()


def test_wrong_password_is_refused(served: tuple[str, Path], browser: object) -> None:
    base, _ = served
    page = _login(browser, base, password="not the password")
    assert "/login" in page.url
    assert "Wrong user name or password" in page.locator(".error").inner_text()
    assert not any(c["name"] == "broadsheet_session" for c in page.context.cookies())
    response = page.goto(f"{base}/")
    assert response is not None and "/login" in page.url  # still not in
    page.close()


def test_post_without_csrf_token_is_forbidden(served: tuple[str, Path], browser: object) -> None:
    base, out = served
    page = _login(browser, base)
    model_path = next((out / "pages").glob("*.json"))
    model = Page.model_validate_json(model_path.read_bytes())
    line = next(line for region in model.regions for line in region.lines)
    before = model_path.read_bytes()
    # Logged in (the session cookie goes along), but the form lacks the token, then carries a forged one.
    for form in ({"action": "line-text", "element_id": line.id, "value": "forged"},
                 {"action": "line-text", "element_id": line.id, "value": "forged", "csrf_token": "guess"}):
        response = page.request.post(f"{base}/page/{model.id}/edit", form=form, max_redirects=0)
        assert response.status == 403
    assert model_path.read_bytes() == before
    page.close()


@pytest.mark.parametrize("path", [
    "/page/../../etc/passwd",
    "/page/..%2F..%2Fetc%2Fpasswd/image",
    "/page/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/static/../../etc/passwd",
    "/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
])
def test_a_path_from_the_request_never_reaches_the_file_system(served: tuple[str, Path], browser: object,
                                                               path: str) -> None:
    base, _ = served
    page = _login(browser, base)
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "broadsheet_session")
    page.close()
    # Raw HTTP so that no client tidies the dots away before the server sees them.
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", path, headers={"Cookie": f"broadsheet_session={cookie}"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status in (400, 404)
    assert b"root:" not in body


def _logged_in(page: object) -> bool:
    return any(c["name"] == "broadsheet_session" for c in page.context.cookies())  # type: ignore[attr-defined]


def _error(page: object) -> str:
    return str(page.locator(".error").inner_text())  # type: ignore[attr-defined]


def test_failed_logins_are_limited_per_user(browser: object, tmp_path: Path) -> None:
    out = _empty_run(tmp_path / "out", USER, "colleague")
    with _serving(out, ReviewConfig(max_failures_per_user=3, max_failures_per_address=100)) as base:
        for _ in range(3):
            page = _login(browser, base, password="a wrong guess")
            assert "Wrong user name or password" in _error(page)
            page.close()
        page = _login(browser, base)  # the right password, too late
        assert "Too many failed logins" in _error(page) and not _logged_in(page)
        page.close()
        page = _login(browser, base, user="colleague")  # another user from the same address is not locked out
        assert page.url == f"{base}/" and _logged_in(page)  # type: ignore[attr-defined]
        page.close()


def test_failed_logins_are_limited_per_address(browser: object, tmp_path: Path) -> None:
    out = _empty_run(tmp_path / "out", USER)
    with _serving(out, ReviewConfig(max_failures_per_user=100, max_failures_per_address=3)) as base:
        for guess in ("admin", "root", "alice"):  # one guess each at many names: the per-user limit never trips
            page = _login(browser, base, password="a wrong guess", user=guess)
            assert "Wrong user name or password" in _error(page)
            page.close()
        page = _login(browser, base)
        assert "Too many failed logins" in _error(page) and not _logged_in(page)
        page.close()


@pytest.mark.parametrize("config", [ReviewConfig(session_seconds=3600, idle_seconds=2),
                                    ReviewConfig(session_seconds=3, idle_seconds=3600)], ids=["idle", "lifetime"])
def test_sessions_expire(browser: object, tmp_path: Path, config: ReviewConfig) -> None:
    out = _empty_run(tmp_path / "out", USER)
    with _serving(out, config) as base:
        page = _login(browser, base)
        assert page.url == f"{base}/"  # type: ignore[attr-defined]
        page.goto(f"{base}/")  # type: ignore[attr-defined]
        assert page.url == f"{base}/"  # type: ignore[attr-defined]
        time.sleep(min(config.session_seconds, config.idle_seconds) + 1.5)
        page.goto(f"{base}/")  # type: ignore[attr-defined]
        assert page.url.startswith(f"{base}/login")  # type: ignore[attr-defined]
        page.close()


def _review_command(out: Path, port: int, *options: str) -> list[str]:
    return [sys.executable, "-m", "broadsheet", "review", str(out), "--host", "0.0.0.0", "--port", str(port),
            *options]


def test_a_non_loopback_host_needs_allow_remote_and_warns_about_tls(browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import Error as PlaywrightError

    out = _empty_run(tmp_path / "out", USER)
    port = _free_port()
    refused = subprocess.run(_review_command(out, port), capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "--allow-remote" in refused.stderr and "TLS" in refused.stderr and "Traceback" not in refused.stderr
    page = browser.new_page()  # type: ignore[attr-defined]
    with pytest.raises(PlaywrightError):
        page.goto(f"http://127.0.0.1:{port}/login", timeout=5000)  # nothing listens

    server = subprocess.Popen(_review_command(out, port, "--allow-remote"), stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page.goto(f"http://127.0.0.1:{port}/login", timeout=5000)
                break
            except PlaywrightError:
                assert time.monotonic() < deadline and server.poll() is None, "the review app did not start"
                time.sleep(0.2)
        assert page.locator("form.login").count() == 1
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
        page.close()
    assert "warning" in stderr and "TLS" in stderr


def test_a_vertical_regions_lines_are_shown_as_printed(browser: object, tmp_path: Path) -> None:
    """Issue #18: on a vertical page a vertical-rl region's lines stand as its columns do, right to left and each
    read top to bottom; a headline set across the same page reads as it is."""
    from broadsheet.model.geometry import Polygon
    from broadsheet.model.page import Line, Region, RegionType

    out = _empty_run(tmp_path / "out", USER)

    def region(rid: str, mode: str, boxes: list[tuple[float, float, float, float]], texts: list[str]) -> Region:
        lines = [Line(id=f"{rid}-l{k}", text=text, polygon=Polygon.from_box(*box), confidence=0.9, engine="rapidocr")
                 for k, (box, text) in enumerate(zip(boxes, texts, strict=True), start=1)]
        return Region(id=rid, type=RegionType.body, polygon=Polygon.from_box(0, 0, 400, 600), confidence=0.9,
                      detector_label="text", lines=lines, writing_mode=mode)

    page = Page(id="v-page", source="missing.png", width=400, height=600, writing_mode="vertical-rl", regions=[
        region("v-page-r1", "vertical-rl", [(340, 100, 370, 500), (300, 100, 330, 500)],
               ["右邊第一行字", "左邊第二行字"]),
        region("v-page-r2", "horizontal-tb", [(100, 20, 300, 60)], ["橫排標題"])])
    (out / "pages" / "v-page.json").write_text(page.model_dump_json())
    with _serving(out) as base:
        view = _login(browser, base)
        view.goto(f"{base}/page/v-page")
        vertical, across = view.locator("#v-page-r1 ol.lines"), view.locator("#v-page-r2 ol.lines")
        assert vertical.evaluate("e => getComputedStyle(e).writingMode") == "vertical-rl"
        assert across.evaluate("e => getComputedStyle(e).writingMode") == "horizontal-tb"
        first, second = (view.locator(f"li[id='v-page-r1-l{k}'] input[name=value]") for k in (1, 2))
        assert first.evaluate("e => getComputedStyle(e).writingMode") == "vertical-rl"
        one, two = first.bounding_box(), second.bounding_box()
        assert one["x"] > two["x"] and one["height"] > one["width"]  # the first column on the right, standing
        view.close()
