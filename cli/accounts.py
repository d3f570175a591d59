"""`isindex user`, `token`, `la` and `org`: who may use the index, and for which organisation."""

from __future__ import annotations

import uuid

from cli import args as types
from cli import database
from cli.output import print_json
from index import auth, db, organisations


def cmd_user_add(args, settings) -> int:
    async def work(conn):
        async with conn.transaction():
            with db.translate_errors():
                user_id = await auth.add_user(conn, name=args.name, org_code=args.org, role=args.role,
                                              la_code=args.la, phone=args.phone, email=args.email,
                                              capabilities=tuple(args.capability or ()),
                                              oidc_subject=args.oidc_subject)
                return user_id, await auth.issue_token(conn, user_id, days=args.days or settings.token_days)

    user_id, issued = database.run(settings, work)
    if args.json:
        print_json({"user_id": str(user_id), "token_id": str(issued.token_id), "token": issued.token,
                    "expires_at": issued.expires_at.isoformat()})
    else:
        print(f"user {user_id} added; token id {issued.token_id}, expires {issued.expires_at:%Y-%m-%d}")
        print("token (shown once, keep it secret):")
        print(issued.token)
    return 0


def cmd_token_revoke(args, settings) -> int:
    async def work(conn):
        if args.user:
            return await auth.revoke_user_tokens(conn, _uuid(args.user, "--user"))
        return int(await auth.revoke_token(conn, _uuid(args.token_id, "--token-id")))

    count = database.run(settings, work)
    print(f"{count} token(s) revoked")
    return 0 if count else 1


def cmd_la_add(args, settings) -> int:
    async def work(conn):
        with db.translate_errors():
            await organisations.add_la(conn, args.code, args.name)

    database.run(settings, work)
    print(f"LA {args.code} registered")
    return 0


def cmd_org_add(args, settings) -> int:
    org = organisations.NewOrganisation(
        code=args.code, kind=args.kind, name=args.name, la_code=args.la, urn=args.urn, laestab=args.laestab,
        ods_code=args.ods, phone=args.phone, email=args.email,
    )

    async def work(conn):
        with db.translate_errors():
            return await organisations.add(conn, org)

    org_id = database.run(settings, work)
    print(f"organisation {args.code} added (id {org_id})")
    return 0


def _uuid(value: str, flag: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise SystemExit(f"isindex: {flag} must be an id like 123e4567-e89b-12d3-a456-426614174000") from None


def add_parsers(sub) -> None:
    u = sub.add_parser("user", help="manage users").add_subparsers(dest="user_command", required=True, metavar="ACTION")
    ua = u.add_parser("add", help="add a user and print their token once")
    ua.add_argument("--name", required=True)
    ua.add_argument("--org", required=True, help="organisation code")
    ua.add_argument("--role", required=True, choices=auth.ROLES)
    ua.add_argument("--la", type=types.la_code, help="LA code that scopes an la_data_manager")
    ua.add_argument("--phone")
    ua.add_argument("--email")
    ua.add_argument("--oidc-subject", help="the single sign-on provider's `sub` for this person "
                    "(used when ISINDEX_OIDC_CLAIM=sub)")
    ua.add_argument("--capability", action="append", choices=("child_protection",),
                    help="a capability beyond the role (child_protection: may override a shielded record)")
    ua.add_argument("--days", type=types.positive, help="token lifetime in days")
    ua.add_argument("--json", action="store_true")
    ua.set_defaults(func=cmd_user_add)

    t = sub.add_parser("token", help="manage tokens").add_subparsers(dest="token_command", required=True, metavar="ACTION")
    tr = t.add_parser("revoke", help="revoke one token, or all of a user's tokens")
    group = tr.add_mutually_exclusive_group(required=True)
    group.add_argument("--token-id")
    group.add_argument("--user", help="user id")
    tr.set_defaults(func=cmd_token_revoke)

    la = sub.add_parser("la", help="manage local authorities").add_subparsers(dest="la_command", required=True, metavar="ACTION")
    laa = la.add_parser("add", help="register a local authority")
    laa.add_argument("--code", required=True, type=types.la_code)
    laa.add_argument("--name", required=True)
    laa.set_defaults(func=cmd_la_add)

    o = sub.add_parser("org", help="manage organisations").add_subparsers(dest="org_command", required=True, metavar="ACTION")
    oa = o.add_parser("add", help="register an organisation")
    oa.add_argument("--code", required=True)
    oa.add_argument("--kind", required=True, choices=organisations.KINDS)
    oa.add_argument("--name", required=True)
    oa.add_argument("--la", type=types.la_code)
    oa.add_argument("--urn")
    oa.add_argument("--laestab")
    oa.add_argument("--ods")
    oa.add_argument("--phone")
    oa.add_argument("--email")
    oa.set_defaults(func=cmd_org_add)
