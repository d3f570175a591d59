"""`isindex signin-link`: a one-time link that signs a user in to the web pages."""

from __future__ import annotations

import uuid

from cli import args as types
from cli import database
from cli.output import print_json
from index import errors, sessions


def cmd_signin_link(args, settings) -> int:
    async def work(conn):
        if args.user:
            try:
                user_id = uuid.UUID(args.user)
            except ValueError:
                raise errors.Invalid("--user must be a user id", field="user") from None
        else:
            user_id = await sessions.user_by_email(conn, args.user_email)
        return await sessions.issue_link(conn, user_id, hours=args.hours)

    link = database.run(settings, work)
    url = f"{args.base_url.rstrip('/')}/sign-in/link/{link.token}"
    if args.json:
        print_json({"link_id": str(link.link_id), "user_id": str(link.user_id), "url": url,
                    "expires_at": link.expires_at.isoformat()})
    else:
        print(f"sign-in link for user {link.user_id} (works once, until {link.expires_at:%Y-%m-%d %H:%M} UTC; "
              "keep it secret):")
        print(url)
    return 0


def add_parsers(sub) -> None:
    s = sub.add_parser("signin-link", help="make a one-time link that signs a user in to the web pages")
    who = s.add_mutually_exclusive_group(required=True)
    who.add_argument("--user-email", help="the user's email address")
    who.add_argument("--user", help="the user's id")
    s.add_argument("--hours", type=types.positive, default=sessions.LINK_HOURS, help="how long the link works")
    s.add_argument("--base-url", default="http://127.0.0.1:8000", help="where the service is reached")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_signin_link)
