"""The GOV.UK Frontend assets: served publicly at /assets/, every url(...) in the CSS
resolves to a file that is served, and every page names only local assets."""

import re

import pytest

from api.pages import render
from tests.api.pages import Page

CSS = "/assets/govuk-frontend.min.css"


async def test_the_css_serves_no_gov_uk_only_font_or_crest_and_every_url_it_names(client):
    css = await client.get(CSS)
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    # The GOV.UK Transport font and the crown are for services on GOV.UK only (SOURCES.md).
    assert "@font-face" not in css.text and "govuk-crest" not in css.text
    urls = set(re.findall(r"url\(([^)]+)\)", css.text))
    for url in sorted(urls):
        assert url.startswith(render.ASSETS_PATH + "/"), url
        response = await client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/search"])
async def test_pages_name_only_served_local_assets(client, tokens, path):
    page = Page((await client.get(path, headers={"Authorization": f"Bearer {tokens['practitioner']}"})).text)
    named = [e.attrs.get("href") or e.attrs.get("src") for e in page.all if e.tag in ("link", "script")]
    named = [n for n in named if n]
    assert CSS in named and "/assets/govuk-frontend.min.js" in named
    for url in named:
        assert url.startswith("/assets/"), url
        assert (await client.get(url)).status_code == 200, url


async def test_assets_need_no_token_and_unknown_ones_are_404(client):
    assert (await client.get("/assets/govuk-frontend.min.js")).status_code == 200
    assert (await client.get("/assets/nothing-here.css")).status_code == 404
