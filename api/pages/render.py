"""What every page shares: the templates (api/templates), the GOV.UK Frontend assets
(api/static/govuk, served at /assets/, the path the built CSS names its fonts and images
by) and an error's page.

A page route declares `opt={"action": <its JSON twin's action>, "page": True}`; the one
error map (api/errors.py) sends its errors here, so a page never answers with JSON. A
form page names its own template (`opt={"form": "search.html"}`): a 400 shows that form
again with the values given and the GOV.UK error summary; any other error shows
error.html.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from litestar import Request, Response, Router
from litestar.response import Redirect
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.enums import MediaType
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from index import policy

TEMPLATES = Path(__file__).parent.parent / "templates"
ASSETS = Path(__file__).parent.parent / "static" / "govuk"
ASSETS_PATH = "/assets"

# The heading of an error page, by status.
HEADINGS = {
    400: "There is a problem",
    401: "You need to sign in",
    403: "You cannot do this",
    404: "Page not found",
    405: "Page not found",
    409: "This cannot be done now",
    413: "There is a problem",
    415: "There is a problem",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


REASON_LABELS = {
    "safeguarding_concern": "Safeguarding concern",
    "service_delivery": "Delivering a service to the child",
    "emergency": "Emergency",
    "data_quality": "Checking data quality",
    "child_protection_enquiry": "Child protection enquiry",
    "serious_case_review": "Serious case review",
    "child_death_review": "Child death review",
    "subject_access_request": "Subject access request",
}
ROLE_LABELS = {
    "practitioner": "practitioner",
    "school": "school",
    "la_data_manager": "local authority data manager",
    "auditor": "auditor",
    "admin": "administrator",
}
INDICATOR_LABELS = {
    "has_information": "Has information to share",
    "taking_action": "Taking action",
    "assessment_completed": "Assessment completed",
    "lead_professional": "Lead professional",
}


# The service navigation: (path, label, the action the page performs[, the roles it is
# offered to]). A signed-in user sees the entries their role may perform (policy.allowed),
# so a link never leads to a 403; the roles, where given, narrow what is offered, never
# what is allowed.
NAV: list[tuple] = [
    ("/search", "Search", "child.search"),
    # The LA data manager's pages (api/pages/review.py, manage_*.py): the review queue first.
    ("/manage/review", "Review matches", "review.list"),
    ("/manage/children", "Children", "child.shield"),
    ("/manage/transfers", "Transfers", "transfer.read"),
    ("/manage/investigations", "Investigations", "investigation.read"),
    ("/manage/access", "Access", "access.digest"),
    # Both pages serve both roles (policy); the navigation offers each its own: a school
    # its uploads, an LA's data managers every feed of the LA.
    ("/manage/feeds", "Feeds", "feed.list", {"la_data_manager"}),
    ("/census", "Census", "feed.submit", {"school"}),
    ("/oversight/audit", "Audit log", "audit.read"),
    ("/oversight/alerts", "Misuse alerts", "alert.read"),
]

# Names a page module adds for its templates (the labels of its choices), so that a form
# shown again by error_page has them too; registered when the module is imported.
GLOBALS: dict[str, object] = {}


def nav_for(role: str | None, current: str) -> list[dict]:
    if role is None:
        return []
    return [{"href": href, "label": label, "current": current == href or current.startswith(href + "/")}
            for href, label, action, *only in NAV if policy.allowed(action, role) and (not only or role in only[0])]


# An organisation's kind, in words (index.organisations.KINDS).
ORG_KIND_LABELS = {
    "school": "School",
    "gp": "GP practice",
    "health_visiting": "Health visiting",
    "social_care": "Children's social care",
    "youth_justice": "Youth justice",
    "connexions": "Connexions",
    "local_authority": "Local authority",
    "sexual_health": "Sexual health service",
    "mental_health": "Mental health service",
    "substance_misuse": "Substance misuse service",
}


def long_date(value) -> str:
    """A date as GOV.UK writes one: 8 January 2015 (a datetime: its date)."""
    return value.strftime("%-d %B %Y") if value else ""


def _globals(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters["long_date"] = long_date
    engine.engine.globals.update(org_kind_labels=ORG_KIND_LABELS, reasons=[(key, REASON_LABELS[key]) for key in policy.REASONS],
                                 indicator_labels=INDICATOR_LABELS, role_labels=ROLE_LABELS, **GLOBALS)


def config() -> TemplateConfig:
    return TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=_globals)


def assets() -> Router:
    """GOV.UK Frontend's CSS, JS, fonts and images: public, like a sign-in page needs."""
    return create_static_files_router(path=ASSETS_PATH, directories=[ASSETS], opt={"public": True},
                                      include_in_schema=False, name="govuk-assets")


def is_page(request: Request) -> bool:
    """A page route's request, or a browser's request for a path no route serves (its 404
    or 405 is a page too; an API client's, which does not ask for HTML first, stays JSON)."""
    handler = request.scope.get("route_handler")
    if handler is None:
        return request.headers.get("accept", "").startswith("text/html")
    return bool(handler.opt.get("page"))


def html(request: Request, template: str, context: dict, status: int = 200) -> Response:
    """A template rendered with the page's common context: the CSRF field's value, who is
    signed in (`principal`, None on public pages and for bearer tokens' callers alike)
    and the navigation their role may use."""
    engine = request.app.template_engine
    state = request.scope.get("state", {})
    principal = state.get("principal")
    common = {"csrf_token": state.get("csrf_token", ""), "principal": principal,
              "signed_in": bool(state.get("session_id")),
              "nav": nav_for(principal.role if principal else None, request.url.path)}
    body = engine.get_template(template).render(**common, **context)
    return Response(body, status_code=status, media_type=MediaType.HTML)


def done(path: str, notice: str, **query: str | None) -> Redirect:
    """After a page's POST: 303 to the page that shows the result (post/redirect/get), with
    `done=<notice>` for its success banner (a key of that page's own `done` Literal)."""
    given = {k: v for k, v in query.items() if v} | {"done": notice}
    return Redirect(f"{path}?{urlencode(given)}", status_code=303)


def form_values(request: Request) -> dict[str, str]:
    """What the user typed, to show again beside the error summary: a POST's form (read
    once by api.security for its CSRF check), else the query string."""
    state = request.scope.get("state", {})
    if request.method == "POST":
        return dict(state.get("form") or {})
    return dict(request.query_params.items())


def error_page(request: Request, status: int, detail: str, fields: list[dict] | None) -> Response:
    """A page route's error: its form again with the error summary (400), or error.html.
    Each field error links to the field (`#<field>`; a date's first box `#<field>-day`)."""
    handler = request.scope.get("route_handler")
    form = handler.opt.get("form") if handler is not None else None
    if status == 400 and form:
        problems = [{"field": f["field"], "message": f["message"], "href": "#" + anchor(f["field"])}
                    for f in fields or [{"field": "", "message": detail}]]
        values = form_values(request)
        return html(request, form, {"values": values, "problems": problems,
                                    "problem_of": {p["field"]: p["message"] for p in problems},
                                    "title_prefix": "Error: "}, status)
    shown = detail if status < 500 else None   # a 500's detail stays in the log
    return html(request, "error.html", {"heading": HEADINGS.get(status, "There is a problem"),
                                        "detail": shown, "status": status}, status)


# Fields shown as a GOV.UK date input: their error links to the day box.
DATE_FIELDS = ("dob", "since", "until", "start_date", "end_date")


def anchor(field: str) -> str:
    return f"{field}-day" if field in DATE_FIELDS else field
