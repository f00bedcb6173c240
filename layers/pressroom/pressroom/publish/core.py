"""The publishing rules as data in, data out: what one upload's key should become, decided without AWS."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pressroom import urls
from pressroom.content import Article, parse_article, parse_when
from pressroom.errors import WARNING, Problem, Rejected
from pressroom.index import SourceState
from pressroom.model import Post
from pressroom.publish.status import ATTENTION, Status
from pressroom.site import Site

__all__ = ["ATTENTION", "Known", "Outcome", "Plan", "Reading", "Status", "decide", "displaced", "next_claimant",
           "read_upload"]


@dataclass
class Outcome:
    """What one event did."""

    key: str
    status: str
    url: str = ""
    problems: list[Problem] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    sequencer: str = ""
    revision: int = 0


MAX_PROBLEMS = 50  # per upload: reports and state items stay far below S3's and DynamoDB's limits


def capped(problems: list[Problem]) -> tuple[Problem, ...]:
    """The first MAX_PROBLEMS problems, and one that counts the rest."""
    if len(problems) <= MAX_PROBLEMS:
        return tuple(problems)
    rest = len(problems) - MAX_PROBLEMS
    return (*problems[:MAX_PROBLEMS], Problem(f"and {rest:,} more problems", hint="fix these and upload again"))


def too_large(size: int, limit: int) -> Problem:
    return Problem(f"the file is {size:,} bytes, more than the limit of {limit:,} bytes",
                   hint="split the article or move large media to media/")


@dataclass(frozen=True)
class Reading:
    """What an upload asks for, read from its bytes: to be published (now or later), drafted, gone or refused."""

    key: str
    status: Status  # PUBLISHED (wanted now), SCHEDULED, DRAFT, REJECTED or DELETED
    article: Article | None = None  # dated, for every status but REJECTED and DELETED
    problems: tuple[Problem, ...] = ()
    version_id: str = ""
    etag: str = ""
    undated: bool = False  # the article gives no date: it is dated by its first publication


def read_upload(key: str, body: bytes | None, site: Site, *, now: datetime, first_published: str = "",
                max_bytes: int | None = None, size: int | None = None, version_id: str = "",
                etag: str = "") -> Reading:
    """Parse and date one article upload. `body` None: the key no longer exists; `size` over `max_bytes`:
    the upload was too large to read. An undated article keeps the date it was first published with."""
    if max_bytes is not None and size is not None and size > max_bytes:
        return Reading(key, Status.REJECTED, problems=(too_large(size, max_bytes),), version_id=version_id,
                       etag=etag)
    if body is None:
        return Reading(key, Status.DELETED)
    try:
        article = parse_article(key, body, site, max_bytes=max_bytes)
    except Rejected as rejected:
        return Reading(key, Status.REJECTED, problems=capped(rejected.problems), version_id=version_id, etag=etag)
    reading = Reading(key, Status.PUBLISHED, article, version_id=version_id, etag=etag, undated=article.date is None)
    return dated(reading, first_published, site, now=now)


def dated(reading: Reading, first_published: str, site: Site, *, now: datetime) -> Reading:
    """A reading with its article dated: by its own date, else by `first_published`, else now."""
    if reading.article is None:
        return reading
    article = reading.article
    when = article.date if not reading.undated else None
    if when is None and first_published:
        try:
            when = parse_when(first_published, site)
        except ValueError:  # a report edited by hand: the date it gives is not one
            when = None
    when = when or now
    article = article.dated(when)
    status = Status.DRAFT if article.draft else Status.SCHEDULED if when > now else Status.PUBLISHED
    return replace(reading, status=status, article=article)


@dataclass(frozen=True)
class Known:
    """Everything the decision about one key depends on, as read before deciding."""

    state: SourceState  # what the index holds for the key
    reading: Reading
    sequencer: str  # the order the new state records
    now: datetime
    own_post: Post | None = None  # the post the key has online now
    owner: str = ""  # the first claimant of the article's slug (this key's claim included)
    occupant: Post | None = None  # the post online at the article's slug
    taken: frozenset[str] = frozenset()  # alias page keys where a post is online
    moved: frozenset[str] = frozenset()  # site keys left by deleted uploads with the article's `id:`


@dataclass
class Plan:
    """A key's desired end state and the changes that take the site there from what it was."""

    key: str
    status: Status
    state: SourceState  # committed (compare-and-set on the stored sequencer) with the post change
    old_post: Post | None  # what the key had online
    post: Post | None  # what it has online after
    article: Article | None = None  # its page is rendered when `post` is set
    redirects: tuple[str, ...] = ()  # site keys that send readers to `post`
    retire_pages: tuple[str, ...] = ()  # pages that were the key's and are no longer
    retire_redirects: tuple[str, ...] = ()  # redirect objects the key owned and no longer wants
    release: tuple[str, ...] = ()  # slugs the key no longer claims (their next claimant may publish)
    displace: Post | None = None  # another key's post at this slug, which goes back to held
    tombstones: tuple[str, ...] = ()  # site keys that answer 410 Gone: the URLs of a deleted post
    story_claim: str = ""  # the `id:` the key publishes under
    story_release: str = ""  # an `id:` the key no longer publishes under
    story_gone: str = ""  # the `id:` of a deleted post: its URLs pass to the next upload with the same id
    schedule: datetime | None = None
    unschedule: bool = False
    report: dict[str, Any] | None = None  # None: the key's report is removed
    problems: tuple[Problem, ...] = ()

    @property
    def url(self) -> str:
        return str(self.report.get("url", "")) if self.report else ""

    def outcome(self) -> Outcome:
        changed = [urls.post_key(self.post.slug)] if self.post and self.status == Status.PUBLISHED else []
        return Outcome(self.key, self.status.value, self.url, list(self.problems), changed, self.state.sequencer,
                       self.state.revision)


def _report(state: SourceState, status: Status, url: str, problems: tuple[Problem, ...], now: datetime,
            winner: str = "") -> dict[str, Any]:
    report: dict[str, Any] = {
        "key": state.key, "version_id": state.version_id, "etag": state.etag, "status": status.value, "url": url,
        "errors": [p.as_dict() for p in problems], "time": now.isoformat(),
    }
    if winner:
        report["winner"] = winner
    if state.scheduled_for:
        report["scheduled_for"] = state.scheduled_for
    if state.first_published:
        # kept in the content bucket too, so an undated article keeps its date if the index is ever lost
        report["first_published"] = state.first_published
    return report


def held_problem(url: str, owner: str, *, now_belongs: bool = False) -> Problem:
    verb = "now belongs" if now_belongs else "belongs"
    return Problem(f"the URL {url} {verb} to {owner}, which sorts first", field="slug",
                   hint="choose another slug; this article is published when that one goes")


def decide(known: Known) -> Plan:
    """The plan for one key: from its stored state and its upload, given the slug's claims and the clock.

    The state it commits records what the change retires, so carrying the plan out again does the same.
    """
    reading, state = known.reading, known.state
    if reading.status == Status.REJECTED:
        plan = _rejected(known)
    elif reading.status != Status.PUBLISHED:
        plan = _unpublished(known)
    elif known.owner and known.owner != state.key:
        assert reading.article is not None
        plan = _held(known, reading.article)
    else:
        assert reading.article is not None
        plan = _published(known, reading.article)
    _carry_pending(plan, state)
    # a schedule can exist only where the stored state scheduled the key, or where its last change may not have
    # been carried out (a delivery that failed before deleting it): only then is one deleted
    plan.unschedule = plan.schedule is None and bool(state.scheduled_for or state.applied != state.sequencer)
    retire = {"pages": list(plan.retire_pages), "redirects": list(plan.retire_redirects), "slugs": list(plan.release)}
    plan.state.retire = {name: keys for name, keys in retire.items() if keys}
    return plan


def _carry_pending(plan: Plan, state: SourceState) -> None:
    """Add to the plan what the stored state retires but may not have carried out (its delivery failed part-way,
    then this one came), leaving out what the plan now wants: nothing retired is ever forgotten."""
    pending = state.pending
    if not pending:
        return
    page = urls.post_key(plan.post.slug) if plan.post else ""
    keep_slug = plan.state.slug if plan.status in (Status.PUBLISHED, Status.HELD) else ""
    wanted = {page, *plan.tombstones}
    plan.retire_pages = tuple(sorted(set(plan.retire_pages) | set(pending.get("pages", ())) - wanted))
    plan.retire_redirects = tuple(sorted(set(plan.retire_redirects) | set(pending.get("redirects", ()))
                                         - set(plan.redirects) - wanted))
    plan.release = tuple(sorted(set(plan.release) | set(pending.get("slugs", ())) - {keep_slug}))


def _gone(known: Known) -> dict[str, Any]:
    """What unpublishing the key retires: its page, its redirects and its claim."""
    state, own = known.state, known.own_post
    return {"retire_pages": (urls.post_key(own.slug),) if own else (),
            "retire_redirects": tuple(sorted(state.redirects))}


def _rejected(known: Known) -> Plan:
    # The published version, if any, stays as it is: only the source state records the failure.
    state, reading, own = known.state, known.reading, known.own_post
    problems = reading.problems + ((Problem("the previously published version stays online"),) if own else ())
    new = SourceState(state.key, sequencer=known.sequencer, status=Status.REJECTED.value, slug=state.slug,
                      first_published=state.first_published, version_id=reading.version_id, etag=reading.etag,
                      errors=[p.as_dict() for p in problems], redirects=list(state.redirects),
                      tombstones=list(state.tombstones), story=state.story)
    report = _report(new, Status.REJECTED, own.url if own else "", reading.problems, known.now)
    return Plan(state.key, Status.REJECTED, new, own, own, report=report, problems=reading.problems)


def _unpublished(known: Known) -> Plan:
    state, reading = known.state, known.reading
    status, article = reading.status, reading.article
    slug = article.slug if article else state.slug
    scheduled_for = article.date.isoformat() if status == Status.SCHEDULED and article and article.date else ""
    new = SourceState(state.key, sequencer=known.sequencer, status=status.value, slug=slug,
                      first_published=state.first_published, version_id=reading.version_id, etag=reading.etag,
                      scheduled_for=scheduled_for, tombstones=list(state.tombstones))
    plan = Plan(state.key, status, new, known.own_post, None, release=(state.slug,) if state.slug else (),
                story_release=state.story, **_gone(known))
    if status == Status.DELETED:
        _deleted(plan, known)
        return plan
    plan.report = _report(new, status, urls.post_url(slug) if slug else "", (), known.now)
    if status == Status.SCHEDULED and article and article.date:
        plan.schedule = article.date
    return plan


def _deleted(plan: Plan, known: Known) -> None:
    """A deleted post's URLs (its page, its old URLs and aliases) answer 410 Gone until something else is
    published there; with an `id:`, the next upload of the same story takes them over as redirects."""
    state, own = known.state, known.own_post
    # a key deleted again (a duplicate event, or after a draft) keeps the tombstones it left before
    tombstones = (urls.post_key(own.slug), *state.redirects) if own is not None else tuple(state.tombstones)
    plan.tombstones = tuple(sorted(set(tombstones)))
    plan.state.tombstones = list(plan.tombstones)
    plan.retire_pages = tuple(k for k in plan.retire_pages if k not in plan.tombstones)
    plan.retire_redirects = tuple(k for k in plan.retire_redirects if k not in plan.tombstones)
    if state.story and plan.tombstones:
        plan.story_gone, plan.story_release = state.story, ""
        plan.state.story = state.story


def _held(known: Known, article: Article) -> Plan:
    state, reading = known.state, known.reading
    problem = held_problem(urls.post_url(article.slug), known.owner)
    new = SourceState(state.key, sequencer=known.sequencer, status=Status.HELD.value, slug=article.slug,
                      first_published=state.first_published or _iso(article.date), version_id=reading.version_id,
                      etag=reading.etag, errors=[problem.as_dict()], winner=known.owner,
                      tombstones=list(state.tombstones))
    release = (state.slug,) if state.slug and state.slug != article.slug else ()
    report = _report(new, Status.HELD, urls.post_url(article.slug), (problem,), known.now, winner=known.owner)
    return Plan(state.key, Status.HELD, new, known.own_post, None, release=release, report=report,
                problems=(problem,), story_release=state.story, **_gone(known))


def _published(known: Known, article: Article) -> Plan:
    state, reading, own = known.state, known.reading, known.own_post
    post = Post.from_article(article)
    page_key = urls.post_key(article.slug)
    # its redirects: what it had, its URLs from before a delete, and those of a deleted upload of the same story
    earlier = set(state.redirects) | set(state.tombstones) | (set(known.moved) if article.story_id else set())
    wanted = {k for k in earlier if k != page_key and k not in known.taken}
    warnings = _url_moves(known, article)
    if own and own.slug != article.slug:
        wanted.add(urls.post_key(own.slug))
    waiting: set[str] = set()  # aliases at another post's URL: redirected once that post is gone
    for alias in article.aliases:
        alias_key = urls.url_to_key(alias)
        if alias_key == page_key:
            continue  # its own URL
        if alias_key in known.taken:
            waiting.add(alias_key)
            warnings.append(Problem(f"alias {alias} is the URL of another article, so it does not redirect here",
                                    field="aliases", hint="remove it, or point it at an address no article uses",
                                    severity=WARNING))
        elif not urls.is_generated_key(alias_key):
            wanted.add(alias_key)
    new = SourceState(state.key, sequencer=known.sequencer, status=Status.PUBLISHED.value, slug=article.slug,
                      first_published=state.first_published or _iso(article.date), version_id=reading.version_id,
                      etag=reading.etag, redirects=sorted(wanted), story=article.story_id,
                      errors=[p.as_dict() for p in warnings if p.field == "slug"], waiting=sorted(waiting))
    displace = known.occupant if known.occupant and known.occupant.source_key != state.key else None
    return Plan(
        state.key, Status.PUBLISHED, new, own, post, article=article, redirects=tuple(sorted(wanted)),
        retire_redirects=tuple(sorted(set(state.redirects) - wanted - {page_key})),
        release=(state.slug,) if state.slug and state.slug != article.slug else (),
        displace=displace, report=_report(new, Status.PUBLISHED, post.url, tuple(warnings), known.now),
        problems=tuple(warnings), story_claim=article.story_id,
        story_release=state.story if state.story and state.story != article.story_id else "",
    )


def _url_moves(known: Known, article: Article) -> list[Problem]:
    """A warning when the post's URL changes (a new slug, or new slug rules): the old URL redirects to the new
    one. It is kept in the state, so carrying the same upload out again (a retry, a repair, a rebuild) reports
    it again; the next upload's report no longer does."""
    state, own = known.state, known.own_post
    if own and own.slug != article.slug:
        return [Problem(f"the URL changed from {own.url} to {urls.post_url(article.slug)}; the old URL redirects "
                        "to the new one", field="slug", hint="links to the old URL keep working",
                        severity=WARNING)]
    same_upload = (state.status == Status.PUBLISHED.value and state.version_id == known.reading.version_id
                   and state.etag == known.reading.etag)
    return [Problem(str(e["message"]), field="slug", hint=e.get("hint"), severity=WARNING)
            for e in state.errors if same_upload and e.get("field") == "slug" and e.get("severity") == WARNING]


def displaced(held: SourceState, occupant: Post, winner: str, now: datetime) -> Plan:
    """The plan for a published key whose slug a key that sorts first has taken: back to held."""
    problem = held_problem(occupant.url, winner, now_belongs=True)
    new = SourceState(held.key, sequencer=held.sequencer, status=Status.HELD.value, slug=held.slug,
                      first_published=held.first_published, version_id=held.version_id, etag=held.etag,
                      errors=[problem.as_dict()], winner=winner, tombstones=list(held.tombstones), story=held.story)
    report = _report(new, Status.HELD, occupant.url, (problem,), now, winner=winner)
    return Plan(held.key, Status.HELD, new, occupant, None, report=report, problems=(problem,))


def next_claimant(claimants: list[str], released_by: str) -> str:
    """The key that may publish at a slug `released_by` gave up: the first remaining claimant, if any."""
    waiting = [k for k in claimants if k != released_by]
    return waiting[0] if waiting else ""


def _iso(when: datetime | None) -> str:
    return when.isoformat() if when else ""
