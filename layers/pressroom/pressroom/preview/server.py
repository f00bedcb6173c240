"""The preview: the site bucket served the way the CDN serves it, plus notices and live reload for authors."""

from __future__ import annotations

import hashlib
import html
import json
import re
import sys
import threading
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self
from urllib.parse import parse_qs, unquote

from pressroom import render, urls
from pressroom.config import Config
from pressroom.preview.cdn import Answer, Cdn, viewer_request, viewer_response
from pressroom.preview.drafts import render_draft
from pressroom.preview.reports import NEEDS_ATTENTION, NOT_PUBLIC, ReportBook, describe_errors
from pressroom.publish import Services

if TYPE_CHECKING:
    from pressroom.local import Stack

RESERVED = "/_pressroom/"  # the preview's own files; never a key of the site bucket
STATIC = Path(__file__).parent / "static"
_STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_REASONS = {200: "OK", 301: "Moved Permanently", 304: "Not Modified", 400: "Bad Request", 403: "Forbidden",
            404: "Not Found", 410: "Gone", 502: "Bad Gateway"}


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def is_html(self) -> bool:
        return self.headers.get("Content-Type", "").startswith("text/html")

    def token(self) -> str:
        """Identifies what a reader sees: the live-reload script reloads the page when it changes."""
        seen = f"{self.status} {self.headers.get('Location', '')} ".encode() + self.body
        return hashlib.sha256(seen).hexdigest()[:20]


class Origin(Protocol):
    """Where the preview reads the site's objects, as the CDN reads them from the site bucket."""

    def stored(self, key: str) -> tuple[bytes, str, dict[str, str]] | None:
        """Body, Content-Type and user metadata of the object at `key`; None when there is none."""
        ...


class BucketOrigin:
    """The site bucket of a stack."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def stored(self, key: str) -> tuple[bytes, str, dict[str, str]] | None:
        try:
            found = self.s3.get_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if getattr(exc, "response", {}).get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise
        content_type = found.get("ContentType") or "application/octet-stream"
        return found["Body"].read(), content_type, found.get("Metadata", {})


class Preview:
    """Answers requests from the site bucket like the distribution of template.yaml does.

    What only the preview adds, to HTML pages: the notices (rejected and held uploads from `_reports/`;
    with `drafts`, the list of drafts and the draft's own mark) and the live-reload script. Both are files
    under /_pressroom/ of the same origin, so the template's Content-Security-Policy stays as it is.

    Without `services` (no stack yet), the preview answers from `origin` alone, with the notices of
    `reports`, and shows no drafts; `serve_from` gives it a stack later.
    """

    def __init__(self, services: Services | None, cdn: Cdn, *, drafts: bool = False, live: bool = True,
                 theme: render.Theme | None = None, reports: ReportBook | None = None,
                 origin: Origin | None = None) -> None:
        self.svc = services
        self.cdn = cdn
        self.drafts = drafts
        self.live = live
        self._theme = theme
        # A book kept current by someone else (the dev session, after each delivery) is only read here, so
        # that no request waits while thousands of reports are read again after a bulk load.
        self._own_reports = reports is None
        if reports is None:
            if services is None:
                raise ValueError("a preview without a stack needs the reports it shows")
            reports = ReportBook(services.s3, services.config.content_bucket, min_interval=0.5)
        self.reports = reports
        if origin is None:
            if services is None:
                raise ValueError("a preview without a stack needs an origin")
            origin = BucketOrigin(services.s3, services.config.site_bucket)
        self.origin = origin

    def serve_from(self, services: Services) -> None:
        """Answer from this stack's site bucket from now on (`pressroom dev` answers from its build until the
        stack holds the folder: the same objects, tested equal)."""
        self.svc, self.origin = services, BucketOrigin(services.s3, services.config.site_bucket)

    def _refresh_reports(self) -> None:
        if self._own_reports:
            self.reports.refresh()

    @property
    def theme(self) -> render.Theme:
        """The given theme, else the one the render function uses now (`pressroom dev` reloads it on edits)."""
        return self._theme or render.load_theme()

    @classmethod
    def for_stack(cls, stack: Stack, **options: Any) -> Preview:
        """A preview of a local stack's site bucket, with the CDN of the template it deployed."""
        return cls(stack_services(stack), Cdn.from_template(stack.root / "template.yaml"), **options)

    # --- requests -------------------------------------------------------------------------------------

    def respond(self, method: str, target: str, headers: dict[str, str] | None = None) -> Response:
        """The response to one request (`target` as in the request line; header names in lower case)."""
        path, _, query = target.partition("?")
        if not path.startswith("/"):  # an absolute-form target asks for a proxy; this is none
            return Response(400)
        if path.startswith(RESERVED):
            response = self._own(path, query)
            response.headers.update(dict(self.cdn.behaviour(path).headers))
        else:
            response = self.page(method, path, query)
            if self.live and response.is_html:
                response = self._with_live_reload(response)
        if "ETag" not in response.headers and response.status == 200:
            response.headers["ETag"] = f'"{hashlib.sha256(response.body).hexdigest()[:32]}"'
        if response.status == 200 and (headers or {}).get("if-none-match") == response.headers["ETag"]:
            response = Response(304, {k: v for k, v in response.headers.items() if k != "Content-Type"})
        return response

    def page(self, method: str, path: str, query: str = "") -> Response:
        """What the CDN answers for `path`, with the preview's notices on HTML pages."""
        behaviour = self.cdn.behaviour(path)
        if method not in self.cdn.allowed_methods:
            return self._finish(Response(403), behaviour.headers)
        fetched: str | Answer = viewer_request(path, query) if behaviour.viewer_request else path
        if isinstance(fetched, Answer):
            early = Response(fetched.status, {"Location": fetched.location} if fetched.location else {})
            return self._finish(early, behaviour.headers)
        key = unquote(fetched[1:])  # S3 decodes the path CloudFront forwards
        found = self._object(key)
        note = ""
        if found is None and self.drafts:
            found, note = self._draft(key)
        if found is None:
            return self._finish(self._error_page(403), behaviour.headers)
        body, content_type, metadata = found
        response = Response(200, {"Content-Type": content_type}, body)
        if behaviour.viewer_response:  # a redirect (301) or a tombstone (410) keeps the object's body
            answer = viewer_response(200, metadata)
            response.status = answer.status
            if answer.location:
                response.headers["Location"] = answer.location
        return self._finish(response, behaviour.headers, note)

    def _object(self, key: str) -> tuple[bytes, str, dict[str, str]] | None:
        return self.origin.stored(key) if key else None

    def _error_page(self, origin_status: int) -> Response:
        """The distribution's custom error response (behind Origin Access Control a missing key is a 403)."""
        status, page = self.cdn.error_pages.get(origin_status, (origin_status, ""))
        found = self._object(page.lstrip("/")) if page else None
        if found is None:
            text = "Not found. (The site has no 404.html yet: nothing has been published.)\n"
            return Response(status, {"Content-Type": "text/plain; charset=utf-8"}, text.encode())
        return Response(status, {"Content-Type": found[1]}, found[0])

    def _draft(self, key: str) -> tuple[tuple[bytes, str, dict[str, str]] | None, str]:
        """A draft or scheduled article at this key, rendered now, and the note that marks it."""
        if key.startswith("assets/"):
            # before anything is published the bucket has no theme assets yet; a draft page still needs them
            asset = next((a for a in self.theme.assets.values() if a.key == key), None)
            return ((asset.body, asset.content_type, {}), "") if asset else (None, "")
        if self.svc is None:
            return None, ""  # drafts are rendered from the stack's table and settings: none yet
        self._refresh_reports()
        url = urls.key_to_url(key)
        for report in self.reports.with_status(*NOT_PUBLIC):
            if report.get("url") == url:
                body = render_draft(self._fresh_services(), self.theme, report)
                if body is not None:
                    return (body, render.HTML, {}), self._draft_note(report)
        return None, ""

    def _fresh_services(self) -> Services:
        # Services keeps the site settings it read; a new one per draft sees a changed site.yaml at once
        assert self.svc is not None
        return Services(self.svc.config, s3=self.svc.s3, dynamodb=self.svc.dynamodb)

    @staticmethod
    def _draft_note(report: dict[str, Any]) -> str:
        key = html.escape(str(report["key"]))
        if report.get("status") == "scheduled":
            when = html.escape(str(report.get("scheduled_for", "")))
            label, text = "Scheduled", f"<code>{key}</code> is published at {when}; until then only this preview shows it."
        else:
            label, text = "Draft", f"<code>{key}</code> is a draft: not published; only this preview shows it."
        return (f'<section class="pressroom-draft"><span class="pressroom-draft-label">{label}</span>'
                f"{text}</section>")

    def _finish(self, response: Response, security: tuple[tuple[str, str], ...], note: str = "") -> Response:
        # The preview asks the browser to revalidate every time, so a change shows at once (the CDN sends the
        # object's Cache-Control; readers get that, authors previewing get this).
        response.headers["Cache-Control"] = "no-cache"
        if note:
            response.headers["X-Robots-Tag"] = "noindex"
        response.headers.update(dict(security))
        if response.is_html and response.status in (200, 404, 410):  # the pages a reader reads
            notices = note + self._notices()
            page = response.body.decode("utf-8", errors="replace")
            page = _after_body_tag(page, f'<aside class="pressroom-preview" aria-label="Preview">{notices}</aside>'
                                   if notices else "")
            page = _before_head_end(page, f'<link rel="stylesheet" href="{RESERVED}preview.css">')
            response.body = page.encode("utf-8")
        return response

    def _notices(self) -> str:
        """The preview banner: uploads that were not published, and with `drafts` the drafts to look at."""
        self._refresh_reports()
        parts = []
        problems = self.reports.with_status(*NEEDS_ATTENTION)
        if problems:
            items = []
            for report in problems:
                reasons = describe_errors(report) or ["(no reason given)"]
                items.append(f"<li><strong>{html.escape(str(report['status']))}</strong> "
                             f"<code>{html.escape(str(report['key']))}</code>: "
                             + "; ".join(html.escape(r) for r in reasons) + "</li>")
            count = len(problems)
            heading = f"{count} upload{'s' if count != 1 else ''} not published"
            parts.append(f'<section class="pressroom-rejections"><h2>{heading}</h2><ul>{"".join(items)}</ul>'
                         '<p class="pressroom-hint">Fix the file and save it again; the previous version, if any, '
                         "stays online.</p></section>")
        if self.drafts:
            drafts = [r for r in self.reports.with_status(*NOT_PUBLIC) if r.get("url")]
            if drafts:
                links = "".join(f'<li><a href="{html.escape(str(r["url"]))}">{html.escape(str(r["url"]))}</a> '
                                f"<code>{html.escape(str(r['key']))}</code> ({html.escape(str(r['status']))})</li>"
                                for r in drafts)
                parts.append(f'<section class="pressroom-drafts"><h2>Drafts and scheduled posts (preview only)</h2>'
                             f"<ul>{links}</ul></section>")
        return "".join(parts)

    # --- the preview's own files ----------------------------------------------------------------------

    def _own(self, path: str, query: str) -> Response:
        name = path[len(RESERVED) :]
        if name == "state":
            path, _, query = parse_qs(query).get("path", ["/"])[0].partition("?")
            if not path.startswith("/") or path.startswith(RESERVED):
                return Response(400)
            token = self.page("GET", path, query).token()
            body = json.dumps({"token": token}).encode()
            return Response(200, {"Content-Type": "application/json", "Cache-Control": "no-store"}, body)
        file = STATIC / name
        if "/" in name or file.suffix not in _STATIC_TYPES or not file.is_file():
            return Response(404, {"Content-Type": "text/plain; charset=utf-8"}, b"Not found\n")
        return Response(200, {"Content-Type": _STATIC_TYPES[file.suffix], "Cache-Control": "no-cache"},
                        file.read_bytes())

    def _with_live_reload(self, response: Response) -> Response:
        tags = (f'<meta name="pressroom-live" content="{response.token()}">'
                f'<script src="{RESERVED}live.js" defer></script>')
        response.body = _before_head_end(response.body.decode("utf-8", errors="replace"), tags).encode("utf-8")
        return response


def stack_services(stack: Stack) -> Services:
    """Services over a local stack's buckets and table, as the preview reads them."""
    config = Config(content_bucket=stack.content_bucket, site_bucket=stack.site_bucket, posts_table=stack.posts_table)
    return Services(config, s3=stack.client("s3"), dynamodb=stack.client("dynamodb"))


_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_BODY_START = re.compile(r"<body(\s[^>]*)?>", re.IGNORECASE)


def _before_head_end(page: str, snippet: str) -> str:
    match = _HEAD_END.search(page)
    return page[: match.start()] + snippet + page[match.start() :] if match else snippet + page


def _after_body_tag(page: str, snippet: str) -> str:
    match = _BODY_START.search(page)
    return page[: match.end()] + snippet + page[match.end() :] if match else snippet + page


# --- HTTP -----------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def version_string(self) -> str:
        return "pressroom-preview"

    def _answer(self) -> None:
        try:
            response = self.server.preview.respond(self.command, self.path,
                                                   {k.lower(): v for k, v in self.headers.items()})
        except Exception:  # noqa: BLE001 - whatever failed, the viewer gets a 502 as from the CDN
            traceback.print_exc(file=sys.stderr)
            response = Response(502, {"Content-Type": "text/plain; charset=utf-8"},
                                b"The preview failed; see the terminal.\n")
        self.send_response(response.status, _REASONS.get(response.status))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 304:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.status not in (304,):
            self.wfile.write(response.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _answer

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], preview: Preview, log_requests: bool) -> None:
        self.preview = preview
        self.log_requests = log_requests
        super().__init__(address, _Handler)


class PreviewServer:
    """The preview on http://127.0.0.1:<port>/ in a background thread (port 0: any free port)."""

    def __init__(self, preview: Preview, *, port: int = 8000, host: str = "127.0.0.1",
                 log_requests: bool = False) -> None:
        self.preview = preview
        self._address = (host, port)
        self._log_requests = log_requests
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stopped = False

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the preview is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def bind(self) -> Self:
        """Take the port (an error now if it is in use); requests wait until `start`."""
        if self._server is None:
            self._server = _Server(self._address, self.preview, self._log_requests)
        return self

    def start(self) -> Self:
        """Answer requests (again a no-op once answering, and after `stop`): callable from any thread."""
        with self._lock:
            if self._thread is not None or self._stopped:
                return self
            self.bind()
            assert self._server is not None
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                            name="pressroom-preview", daemon=True)
            self._thread.start()
        return self

    @property
    def answering(self) -> bool:
        return self._thread is not None

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None:
            if thread is not None:
                server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
