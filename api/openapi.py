"""The OpenAPI document: what Litestar derives from the routes' typed signatures, plus what
it cannot see: the problem responses of each route, the bearer scheme, the census upload's
body and the subject-access export's plain-text form. Swagger UI and Redoc load their
assets from the package (`api/static/openapi`), so the pages work offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import msgspec
from litestar import Router
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin, RedocRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, OpenAPIMediaType, Operation, RequestBody, Schema, SecurityScheme
from litestar.static_files import create_static_files_router

from api import params
from api.errors import PROBLEM, TITLES

ASSETS = Path(__file__).parent / "static" / "openapi"
ASSETS_PATH = "/schema/assets"


class FieldError(msgspec.Struct):
    field: str        # the parameter, the body's field (`contact.phone`) or `body`
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details, as every error leaves the service."""
    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str | None = None
    errors: list[FieldError] | None = None
    feed_id: str | None = None     # a rejected census: the feed it was recorded as


WHY = {
    400: "A parameter or the body is not valid: `errors` names each field.",
    401: "No bearer token, or one that is unknown, expired or revoked.",
    403: "Your role or organisation may not do this (or your account is suspended).",
    404: "No such record, or none you may see.",
    409: "The record's state does not allow this now (already decided, already shielded, ...).",
    413: "The body is larger than the service accepts.",
    415: "The body is not in a format this route accepts.",
    422: "The file was read and rejected whole: nothing of it is used.",
    503: "The database is not reachable: try again shortly.",
}


def problems(handler: HTTPRouteHandler) -> set[int]:
    """The problem statuses a route can answer with: every authenticated route 400, 401,
    403 and 503; one naming a record in its path 404; a POST 409, 413 and 415; and any
    a route declares itself (`opt={"problems": (422,)}`)."""
    codes = {400, 401, 403, 503}
    if params.path_names(handler):
        codes.add(404)
    if "POST" in handler.http_methods:
        codes |= {409, 413, 415}
    return codes | set(handler.opt.get("problems", ()))


def describe(handler: HTTPRouteHandler) -> None:
    """Document a route's problem responses and its bearer token (idempotent); a page
    (opt "page", not in the document) is left as it is."""
    if handler.opt.get("public") or handler.opt.get("page"):
        return
    handler.security = [{"bearer": []}]
    documented = dict(handler.responses or {})
    for code in sorted(problems(handler)):
        documented.setdefault(code, ResponseSpec(
            data_container=Problem, media_type=PROBLEM, generate_examples=False,
            description=f"{TITLES.get(code, 'Error')}. {WHY[code]}"))
    handler.responses = documented


@dataclass
class CensusUpload(Operation):
    """POST /feeds: the body is the census file itself, streamed."""

    def __post_init__(self) -> None:
        binary = Schema(type="string", format="binary")
        self.request_body = RequestBody(required=True, description=(
            "The census file: a CSV (`text/csv`) or a DfE Common Transfer File (`application/xml`); "
            "with another or no content type the format is read from the bytes."),
            content={"text/csv": OpenAPIMediaType(schema=binary), "application/xml": OpenAPIMediaType(schema=binary)})


@dataclass
class SubjectAccessExport(Operation):
    """GET /children/{id}/subject-access: JSON, or plain text with format=text."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if ok is not None and not isinstance(ok, dict) and ok.content is not None:
            ok.content["text/plain"] = OpenAPIMediaType(schema=Schema(type="string", description=(
                "The same export as readable text (format=text).")))


def config() -> OpenAPIConfig:
    favicon = f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>"
    return OpenAPIConfig(
        title="isindex",
        version="0.1.0",
        description="A children's services information-sharing index: who is involved, and whom to call. "
                    "Every error is `application/problem+json` (RFC 9457).",
        render_plugins=[
            JsonRenderPlugin(),
            SwaggerRenderPlugin(js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js", css_url=f"{ASSETS_PATH}/swagger-ui.css",
                                standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
                                favicon=favicon),
            RedocRenderPlugin(js_url=f"{ASSETS_PATH}/redoc.standalone.js", google_fonts=False, favicon=favicon),
        ],
        components=Components(security_schemes={"bearer": SecurityScheme(
            type="http", scheme="bearer", description="A token from `isindex token issue` (256 random bits)")}),
        openapi_router=Router(path="/schema", route_handlers=[], opt={"public": True}, include_in_schema=False),
    )


def assets() -> Router:
    """The documentation pages' scripts and styles, public like the pages."""
    return create_static_files_router(path=ASSETS_PATH, directories=[ASSETS], opt={"public": True},
                                      include_in_schema=False, name="openapi-assets")

