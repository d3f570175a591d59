"""The isindex command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import uuid

from index import config, db, errors, migrate


@contextlib.asynccontextmanager
async def _migrated(settings: config.Settings):
    """A connection to the index database, migrated, closed on exit."""
    import asyncpg

    try:
        conn = await asyncpg.connect(await db.database_url(settings))
    except (OSError, asyncpg.PostgresError) as exc:
        raise SystemExit(f"isindex: cannot connect to the database ({type(exc).__name__})") from None
    try:
        await db.init_connection(conn)
        await migrate.apply(conn)
        yield conn
    finally:
        await conn.close()


def cmd_migrate(args, settings) -> int:
    async def run():
        async with _migrated(settings) as conn:
            rows = await migrate.status(conn)
        if args.json:
            print(json.dumps([{"version": v, "name": n, "applied": a} for v, n, a in rows]))
        else:
            for version, name, applied in rows:
                print(f"{version:04d}_{name}: {'applied' if applied else 'pending'}")
        return 0

    return asyncio.run(run())


def cmd_user_add(args, settings) -> int:
    from index import auth

    async def run():
        async with _migrated(settings) as conn:
            async with conn.transaction():
                with db.translate_errors():
                    user_id = await auth.add_user(conn, name=args.name, org_code=args.org, role=args.role,
                                                  la_code=args.la, phone=args.phone, email=args.email,
                                                  capabilities=tuple(args.capability or ()))
                    issued = await auth.issue_token(conn, user_id, days=args.days or settings.token_days)
        if args.json:
            print(json.dumps({"user_id": str(user_id), "token_id": str(issued.token_id), "token": issued.token,
                              "expires_at": issued.expires_at.isoformat()}))
        else:
            print(f"user {user_id} added; token id {issued.token_id}, expires {issued.expires_at:%Y-%m-%d}")
            print("token (shown once, keep it secret):")
            print(issued.token)
        return 0

    return asyncio.run(run())


def cmd_token_revoke(args, settings) -> int:
    from index import auth

    async def run():
        async with _migrated(settings) as conn:
            if args.user:
                count = await auth.revoke_user_tokens(conn, _uuid(args.user, "--user"))
            else:
                count = int(await auth.revoke_token(conn, _uuid(args.token_id, "--token-id")))
        print(f"{count} token(s) revoked")
        return 0 if count else 1

    return asyncio.run(run())


def cmd_la_add(args, settings) -> int:
    from index import organisations

    async def run():
        async with _migrated(settings) as conn:
            with db.translate_errors():
                await organisations.add_la(conn, args.code, args.name)
        print(f"LA {args.code} registered")
        return 0

    return asyncio.run(run())


def cmd_org_add(args, settings) -> int:
    from index import organisations

    org = organisations.NewOrganisation(
        code=args.code, kind=args.kind, name=args.name, la_code=args.la, urn=args.urn, laestab=args.laestab,
        ods_code=args.ods, phone=args.phone, email=args.email,
    )

    async def run():
        async with _migrated(settings) as conn:
            with db.translate_errors():
                org_id = await organisations.add(conn, org)
        print(f"organisation {args.code} added (id {org_id})")
        return 0

    return asyncio.run(run())


def cmd_demo(args, settings) -> int:
    from index import demo

    async def run():
        async with _migrated(settings) as conn:
            summary = await demo.load(conn, n_children=args.children, seed=args.seed, progress=not args.json,
                                      model_path=settings.model_path)
            tokens = await demo.issue_tokens(conn, days=settings.token_days)
        if args.json:
            print(json.dumps({"loaded": summary, "tokens": tokens}))
        else:
            demo.print_tokens(summary, tokens)
        return 0

    return asyncio.run(run())


def cmd_serve(args, settings) -> int:
    import uvicorn

    async def prepare() -> str:
        async with _migrated(settings) as conn:
            if args.demo:
                from index import demo

                summary = await demo.load(conn, n_children=args.demo_children, seed=1, progress=True,
                                          model_path=settings.model_path)
                demo.print_tokens(summary, await demo.issue_tokens(conn, days=settings.token_days))
                print(demo.data_location(settings), flush=True)
        return await db.database_url(settings)

    url = asyncio.run(prepare())
    os.environ["ISINDEX_RESOLVED_DATABASE_URL"] = url
    print(f"isindex listening on http://{args.host}:{args.port} (OpenAPI at /schema)", flush=True)
    uvicorn.run("api.app:from_env", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level="warning", access_log=False)
    return 0


def _uuid(value: str, flag: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise SystemExit(f"isindex: {flag} must be an id like 123e4567-e89b-12d3-a456-426614174000") from None


def _la(value: str) -> str:
    from matching.identifiers import LA_CODES

    if value not in LA_CODES:
        raise argparse.ArgumentTypeError(f"{value!r} is not a 3-digit DfE LA code")
    return value


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def parser() -> argparse.ArgumentParser:
    from index.auth import ROLES
    from index.organisations import KINDS

    p = argparse.ArgumentParser(prog="isindex", description="Children's services information-sharing index.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("serve", help="run the HTTP service (migrates first)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=_positive, default=1, help="server processes")
    s.add_argument("--demo", action="store_true", help="load synthetic demo data if absent and print demo tokens")
    s.add_argument("--demo-children", type=_positive, default=10_000, metavar="N")
    s.set_defaults(func=cmd_serve)

    m = sub.add_parser("migrate", help="apply database migrations and show their status")
    m.add_argument("--json", action="store_true")
    m.set_defaults(func=cmd_migrate)

    d = sub.add_parser("demo", help="load synthetic demo children and print a token for each role")
    d.add_argument("--children", type=_positive, default=10_000, metavar="N")
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=cmd_demo)

    u = sub.add_parser("user", help="manage users").add_subparsers(dest="user_command", required=True, metavar="ACTION")
    ua = u.add_parser("add", help="add a user and print their token once")
    ua.add_argument("--name", required=True)
    ua.add_argument("--org", required=True, help="organisation code")
    ua.add_argument("--role", required=True, choices=ROLES)
    ua.add_argument("--la", type=_la, help="LA code that scopes an la_data_manager")
    ua.add_argument("--phone")
    ua.add_argument("--email")
    ua.add_argument("--capability", action="append", choices=("child_protection",),
                    help="a capability beyond the role (child_protection: may override a shielded record)")
    ua.add_argument("--days", type=_positive, help="token lifetime in days")
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
    laa.add_argument("--code", required=True, type=_la)
    laa.add_argument("--name", required=True)
    laa.set_defaults(func=cmd_la_add)

    o = sub.add_parser("org", help="manage organisations").add_subparsers(dest="org_command", required=True, metavar="ACTION")
    oa = o.add_parser("add", help="register an organisation")
    oa.add_argument("--code", required=True)
    oa.add_argument("--kind", required=True, choices=KINDS)
    oa.add_argument("--name", required=True)
    oa.add_argument("--la", type=_la)
    oa.add_argument("--urn")
    oa.add_argument("--laestab")
    oa.add_argument("--ods")
    oa.add_argument("--phone")
    oa.add_argument("--email")
    oa.set_defaults(func=cmd_org_add)

    from api import feedcmd, matchcmd, reviewcmd

    matchcmd.add_parsers(sub, _positive)
    feedcmd.add_parsers(sub, _positive)
    reviewcmd.add_parsers(sub)
    from api import retentioncmd
    retentioncmd.add_parsers(sub)
    from api import sarcmd
    sarcmd.add_parsers(sub)
    from api import auditcmd
    auditcmd.add_parsers(sub)
    from api import misusecmd
    misusecmd.add_parsers(sub)
    from api import rankscmd
    rankscmd.add_parsers(sub)
    return p


_SERVICES = ("serve", "worker")     # long-running: JSON log lines; other commands: plain text unless --json
_terminated = False


def _on_sigterm(signum, frame) -> None:
    """SIGTERM stops a command as Ctrl-C does, so that clean-up runs: uvicorn's and
    asyncio's shutdown, and the embedded PostgreSQL's stop at exit (atexit, which a
    process killed by the signal's default action would skip)."""
    import signal

    global _terminated
    _terminated = True
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)       # asyncio.run's own (cancels the main task) or the default
    else:
        raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    import signal

    signal.signal(signal.SIGTERM, _on_sigterm)
    args = parser().parse_args(argv)
    from api import logs

    logs.configure(json=getattr(args, "json", False) or args.command in _SERVICES)
    settings = config.load()
    try:
        return args.func(args, settings)
    except errors.DomainError as exc:
        print(f"isindex: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 143 if _terminated else 130
    except Exception as exc:  # no stack traces for users; ISINDEX_DEBUG=1 shows one
        if os.environ.get("ISINDEX_DEBUG"):
            raise
        print(f"isindex: {args.command} failed ({type(exc).__name__}); set ISINDEX_DEBUG=1 for details",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
