"""The review web app: FastAPI with server-rendered Jinja templates and a little JavaScript for the overlay.

Security, in one place:
* every page but /login needs a session (random token in an HttpOnly, SameSite=Strict cookie; the store
  keeps only its SHA-256); every POST form carries a CSRF token, checked before anything else, and a POST
  without a valid one gets 403 (the login form uses a double-submit cookie, as there is no session yet);
* a page id from a URL is matched against the ids of OUT/pages/*.json and must be an NCName, so it never
  becomes a path of its own; the page image is the `source` the pipeline recorded, not anything the
  request names, and is re-encoded as JPEG by Pillow rather than streamed; static files go through
  Starlette's StaticFiles, which refuses paths outside its folder;
* a Content-Security-Policy allows only this origin's scripts and styles;
* sessions expire, and failed logins are limited per user name and per address (broadsheet/run/corrections/store.py);
* it binds to loopback unless `--allow-remote` is given, and then it needs TLS in front (broadsheet/apps/cli.py).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import secrets
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from broadsheet.atomic import write_bytes_atomic
from broadsheet.config import ReviewConfig
from broadsheet.ingest.files import page_image
from broadsheet.ingest.names import PAGE_SUFFIXES
from broadsheet.model.issue import Issue
from broadsheet.model.page import Page, PageStatus, RegionType, Severity
from broadsheet.run.corrections.edits import (
    ACTIONS,
    EditError,
    apply,
    article_of,
    current_value,
    keep_review,
    reapply_corrections,
    settle,
)
from broadsheet.run.corrections.store import DB_NAME, Review, ReviewStore, Session
from broadsheet.run.output import MANIFEST, Manifest, ManifestArticle, ManifestPage, read_manifest, write_page
from broadsheet.run.qa import SEVERITY_RANK, severity_key
from broadsheet.stages.jumps import join_continuations

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "broadsheet_session"
LOGIN_COOKIE = "broadsheet_login_csrf"
IMAGE_SIDE = 2000
"""The page image is served downscaled to this long side; the overlay works in source pixels either way."""
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9._\-]*")
_CSP = ("default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'")


class ReviewApp:
    """The state behind the routes: the run's folder, the store and a lock that serialises page writes."""

    def __init__(self, out_dir: Path, db_path: Path | None = None, config: ReviewConfig | None = None) -> None:
        self.out = out_dir.resolve()
        self.pages_dir = self.out / "pages"
        if not self.pages_dir.is_dir():
            raise FileNotFoundError(f"{out_dir} has no pages/ folder: is it a broadsheet run's output?")
        self.store = ReviewStore(db_path or self.out / DB_NAME, config)
        self.lock = threading.Lock()
        self._images: dict[tuple[str, float], bytes] = {}

    # ------------------------------------------------------------------------------------------ pages

    def page_path(self, page_id: str) -> Path:
        """The model file of a page that exists; anything else is a 404, never a path built from the URL."""
        if not _NCNAME.fullmatch(page_id):
            raise HTTPException(404, "no such page")
        known = {p.stem: p for p in self.pages_dir.glob("*.json")}
        if page_id not in known:
            raise HTTPException(404, "no such page")
        return known[page_id]

    def load(self, page_id: str) -> tuple[Page, Review]:
        """The page model and its review state, which the store keeps for exactly the model file's bytes."""
        return self._read(self.page_path(page_id))

    def _read(self, path: Path) -> tuple[Page, Review]:
        data = path.read_bytes()
        page = Page.model_validate_json(data)
        return page, self.store.page_review(page.id, hashlib.sha256(data).hexdigest())

    def queue(self) -> list[Page]:
        read = [self._read(path) for path in sorted(self.pages_dir.glob("*.json"))]
        waiting = [page for page, review in read if page.status != PageStatus.ok and not review.accepted]
        return sorted(waiting, key=lambda p: (tuple(-k for k in severity_key(p.flags)), p.id))

    def issue_of(self, page: Page) -> Issue | None:
        """The issue, the edited page in it, when the page holds a part of a story continued across pages: the stories
        are joined again from the pages as this OUT holds them, in the run's order, as the run joined them."""
        if not any(article.continuations for article in page.articles):
            return None
        on_disk = [Page.model_validate_json(path.read_bytes()) for path in self.pages_dir.glob("*.json")]
        order = {entry.id: k for k, entry in enumerate((read_manifest(self.out) or Manifest()).pages)}
        pages = sorted((page if other.id == page.id else other for other in on_disk),
                       key=lambda p: (order.get(p.id, len(order)), p.id))
        return join_continuations(pages)

    def image_file(self, page: Page) -> Path | None:
        # Existing OCR names its page image apart from its source (the OCR file), where one is known.
        source = Path(page.image or page.source)
        candidates = [source] if source.is_absolute() else [Path.cwd() / source, self.out.parent / source,
                                                            self.out / source]
        for path in candidates:
            if path.suffix.lower() in PAGE_SUFFIXES and path.is_file():
                return path
        return None

    def image_jpeg(self, page: Page) -> bytes | None:
        path = self.image_file(page)
        if path is None:
            return None
        key = (page.id, path.stat().st_mtime)
        if key not in self._images:
            rgb = page_image(page, "RGB", path)
            rgb.thumbnail((IMAGE_SIDE, IMAGE_SIDE))
            buffer = io.BytesIO()
            rgb.save(buffer, "JPEG", quality=85)
            self._images = {key: buffer.getvalue()}  # one page at a time is all a reviewer looks at
        return self._images[key]

    # ------------------------------------------------------------------------------------------ saving

    def save(self, page: Page, review: Review, before: Page) -> Page:
        """Write the edited page's model, TEI and ALTO (validated again), its review state and manifest entry."""
        page, kept = reapply_corrections(settle(page), self.out, review)
        issue = self.issue_of(page)
        page = self._write(page, kept, issue)
        gone = {a.id for a in before.articles} - {a.id for a in page.articles}
        for article_id in gone:
            if _NCNAME.fullmatch(article_id):
                (self.out / "tei" / f"{article_id}.xml").unlink(missing_ok=True)
        # A story continued onto this page is written from the page it begins on: that page is written again.
        begins_on = {story.page_ids[0] for story in (issue.articles if issue else []) if page.id in story.page_ids[1:]}
        for first in begins_on:
            self._write(*self.load(first), issue)
        return page

    def _write(self, page: Page, review: Review | None, issue: Issue | None) -> Page:
        page, entry, articles = write_page(page, self.out, validate=True, issue=issue.around(page) if issue else None)
        keep_review(self.out, entry.id, entry.model_sha256, review)
        self._update_manifest(entry, articles)
        return page

    def _update_manifest(self, entry: ManifestPage, articles: list[ManifestArticle]) -> None:
        # Unlike write_manifest (a run's merge), the page keeps its place and the run's timings stay.
        manifest = read_manifest(self.out) or Manifest()
        pages = [entry if p.id == entry.id else p for p in manifest.pages]
        if not any(p.id == entry.id for p in manifest.pages):
            pages.append(entry)
        # The page's articles are those written from it: a story continued onto it is written from its first page.
        first = next((i for i, a in enumerate(manifest.articles) if a.pages[:1] == [entry.id]), len(manifest.articles))
        others = [a for a in manifest.articles if a.pages[:1] != [entry.id]]
        kept_before = [a for a in manifest.articles[:first] if a.pages[:1] != [entry.id]]
        merged = [*kept_before, *articles, *others[len(kept_before):]]
        manifest = manifest.model_copy(update={"pages": pages, "articles": merged})
        write_bytes_atomic(self.out / MANIFEST, json.dumps(manifest.model_dump(mode="json"), ensure_ascii=False,
                                                           indent=1).encode())


# ------------------------------------------------------------------------------------------- view data

def _points(polygon: Any) -> str:
    return " ".join(f"{x:.0f},{y:.0f}" for x, y in polygon.points)


def page_view(page: Page) -> dict[str, Any]:
    order = {rid: i for i, rid in enumerate(page.reading_order)}
    regions = sorted(page.regions, key=lambda r: (order.get(r.id, len(order)), r.id))
    return {
        "page": page,
        "regions": [
            {"region": r, "points": _points(r.polygon), "article": article_of(page, r.id),
             "lines": [{"line": line, "points": _points(line.polygon)} for line in r.lines],
             "low": r.confidence < 0.6 or any(line.confidence < 0.6 for line in r.lines)}
            for r in regions
        ],
        "articles": page.articles,
        "flags": sorted(page.flags, key=lambda f: -SEVERITY_RANK[Severity(f.severity)]),
        "types": [t.value for t in RegionType],
    }


# ---------------------------------------------------------------------------------------------- app

def create_app(out_dir: Path, db_path: Path | None = None, config: ReviewConfig | None = None) -> FastAPI:
    state = ReviewApp(out_dir, db_path, config)
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
    templates = Jinja2Templates(env=env)
    app = FastAPI(title="broadsheet review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.review = state
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def session_of(request: Request) -> Session | None:
        return state.store.session(request.cookies.get(SESSION_COOKIE))

    async def checked_post(request: Request) -> tuple[Session, dict[str, str]]:
        """The session and form of a POST whose CSRF token is right; 403 otherwise."""
        session = session_of(request)
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        token = form.get("csrf_token", "")
        if session is None or not token or not hmac.compare_digest(token, session.csrf):
            raise HTTPException(403, "missing or wrong CSRF token, or not logged in")
        return session, form

    def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status)

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, error: str = "", wait: int = 0) -> HTMLResponse:
        token = secrets.token_urlsafe(32)
        status = 429 if wait else 401 if error else 200
        response = render(request, "login.html", status, csrf=token, error=error, wait=wait, user=None)
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/login")
        return response

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        cookie, token = request.cookies.get(LOGIN_COOKIE, ""), form.get("csrf_token", "")
        if not cookie or not token or not hmac.compare_digest(cookie, token):
            raise HTTPException(403, "missing or wrong CSRF token")
        name, password = form.get("username", ""), form.get("password", "")
        # Behind a proxy every request comes from the proxy: the per-user limit still holds there.
        address = request.client.host if request.client else "unknown"
        wait = state.store.login_refused_for(name, address)
        if wait:
            return RedirectResponse(f"/login?error=1&wait={wait}", status_code=303)
        if not state.store.check_login(name, password):
            state.store.record_login_failure(name, address)
            return RedirectResponse("/login?error=1", status_code=303)
        session_token, _ = state.store.create_session(name)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(SESSION_COOKIE, session_token, httponly=True, samesite="strict", path="/")
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        await checked_post(request)
        state.store.end_session(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/", response_class=HTMLResponse)
    def queue(request: Request) -> Response:
        session = session_of(request)
        if session is None:
            return RedirectResponse("/login", status_code=303)
        pages = state.queue()
        return render(request, "queue.html", pages=pages, user=session.user, csrf=session.csrf,
                      severity=lambda p: max((Severity(f.severity) for f in p.flags),
                                             key=lambda s: SEVERITY_RANK[s], default=None))

    @app.get("/page/{page_id}", response_class=HTMLResponse)
    def show_page(request: Request, page_id: str, error: str = "") -> Response:
        session = session_of(request)
        if session is None:
            return RedirectResponse("/login", status_code=303)
        page, review = state.load(page_id)
        history = state.store.history(page.id, page.sha256)
        return render(request, "page.html", 400 if error else 200, user=session.user, csrf=session.csrf,
                      error=error, history=list(reversed(history)), has_image=state.image_file(page) is not None,
                      review=review, **page_view(page))

    @app.get("/page/{page_id}/image")
    def page_image(request: Request, page_id: str) -> Response:
        if session_of(request) is None:
            raise HTTPException(403, "not logged in")
        data = state.image_jpeg(state.load(page_id)[0])
        if data is None:
            raise HTTPException(404, "the page's source image is not where the run recorded it")
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=300"})

    @app.post("/page/{page_id}/edit")
    async def edit(request: Request, page_id: str) -> Response:
        session, form = await checked_post(request)
        action, element_id, value = form.get("action", ""), form.get("element_id", ""), form.get("value", "")
        if action not in ACTIONS:
            raise HTTPException(400, f"unknown action {action!r}")
        with state.lock:
            before, review = state.load(page_id)
            if action == "accept":
                element_id, value = before.id, "accepted"
            try:
                old = current_value(before, action, element_id, review)
                edited, edited_review = apply(before, action, element_id, value, session.user, review=review)
            except EditError as exc:
                return RedirectResponse(f"/page/{before.id}?error={_quote(str(exc))}", status_code=303)
            new = current_value(edited, action, element_id, edited_review)
            if new != old:
                row = state.store.record(session.user, before.id, before.sha256, action, element_id, old, new)
                state.save(edited, replace(edited_review, applied_through=row), before)
        target = "/" if action == "accept" else f"/page/{before.id}#{element_id}"
        return RedirectResponse(target, status_code=303)

    return app


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text[:300], safe="")
