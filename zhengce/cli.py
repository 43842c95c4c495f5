"""The zhengce command: crawl, reindex, serve, demo, sample-site."""
from __future__ import annotations

import argparse
import dataclasses
import math
import sqlite3
import subprocess
import sys
from pathlib import Path

from zhengce.settings import Settings, SettingsError

SAMPLE_SITE = "quangang_sample"


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(data_dir=Path(args.data_dir) if args.data_dir else None)


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.progress import progress_line
    from crawler.run import DEFAULT_USER_AGENT, crawl
    from sites import load_site
    from zhengce.locks import exclusive

    settings = _settings(args)
    site = load_site(args.site, settings.site_folders)
    if args.base_url:
        site = site.with_base_url(args.base_url)
    overrides = {} if args.delay is None else {"DOWNLOAD_DELAY": args.delay, "AUTOTHROTTLE_ENABLED": args.delay > 0}
    with exclusive(settings.data_dir, "crawl", wait=args.wait):
        print(f"crawling {site.name} from {site.base_url} into {settings.raw_store_path}", flush=True)
        summary = crawl(site, settings.raw_store_path, settings.user_agent or DEFAULT_USER_AGENT, args.log_level,
                        recheck=args.recheck, overrides=overrides)
    print(f"{progress_line(summary.stats)}; finished: {summary.finish_reason}")
    if summary.count("store_failed"):
        print(f"zhengce: crawl stopped: {summary.count('store_failed')} page(s) could not be stored in"
              f" {settings.raw_store_path} ({summary.stats.get('zhengce/store_error', '?')})", file=sys.stderr)
        return 1
    if not summary.count("detail_links"):
        print(f"zhengce: warning: the crawl found no detail page: no link on the start pages"
              f" ({', '.join(site.start_urls) or 'none'}) or the JSON lists matched the template's detail rule"
              f" ({site.detail_url.pattern}) or led to a list page matching its list rule ({site.list_url.pattern});"
              f" check the template's start_paths and [links]", file=sys.stderr)
        return 1
    if summary.finish_reason != "finished":
        return 1
    if args.no_update:
        return 0
    # The crawl's pages into the index at once: only what changed is analyzed again.
    return _index_command(argparse.Namespace(**{**vars(args), "allow_shrink": False, "wait": True}), "update")


def cmd_reindex(args: argparse.Namespace) -> int:
    return _index_command(args, "reindex")


def cmd_update(args: argparse.Namespace) -> int:
    return _index_command(args, "update")


def _index_command(args: argparse.Namespace, command: str) -> int:
    """reindex: the full rebuild; update: only what changed in the raw store since the last
    build or update (a rebuild when that is not known)."""
    from crawler.raw_store import RawStore
    from indexer.base import EngineUnavailable, IndexOutdated
    from zhengce.build_state import BuildState
    from zhengce.locks import exclusive
    from zhengce.pipeline import IndexWouldShrink, reindex, update

    settings = _settings(args)
    if not settings.raw_store_path.exists():
        print(f"no raw store at {settings.raw_store_path}: run `zhengce crawl` first", file=sys.stderr)
        return 2
    engine = _engine_or_exit(settings)
    try:
        current = engine.count()
        engine.check_index()
    except IndexOutdated:
        current, command = 0, "reindex"  # an index of an older layout is replaced whatever it holds
    keep_at_least = 0 if args.allow_shrink else _least_to_keep(current, settings.max_shrink)
    build = reindex if command == "reindex" else update
    try:
        # One lock for both: a rebuild and an update of one index never run at once.
        with (exclusive(settings.data_dir, "reindex", wait=args.wait), RawStore(settings.raw_store_path) as store,
              BuildState(settings.build_state_path) as state):
            report = build(store, engine, state, settings.site_folders, settings.analysis_limits, keep_at_least)
    except EngineUnavailable as exc:
        print(f"zhengce {command}: {exc}", file=sys.stderr)
        return 1
    except IndexWouldShrink as exc:
        print(f"zhengce: {exc}; the index of {current} documents is kept. If the loss is intended, run"
              f" `zhengce {command} --allow-shrink` (or set ZHENGCE_MAX_SHRINK)", file=sys.stderr)
        return 1
    indexed = len(report.documents) - len(report.index_failures)
    if report.full:
        because = f" (a full rebuild: {report.why_full})" if command == "update" else ""
        print(f"indexed {indexed} documents from {report.pages_seen} pages into {settings.engine}{because}")
    else:
        print(f"updated {settings.engine}: {report.pages_seen} pages analyzed; {report.added} documents added,"
              f" {report.replaced} replaced, {report.removed} removed; {indexed} in the index")
    for url, message in report.problems:
        print(f"  problem: {url}: {message}")
    for doc_id, message in report.index_failures:
        print(f"  not indexed: {doc_id}: {message}", file=sys.stderr)
    return 1 if report.index_failures else 0


def _least_to_keep(current: int, max_shrink: float) -> int:
    """The fewest documents a rebuild may have: losing every document is never routine, and
    losing more than `max_shrink` of them is refused too (1.0 allows any loss but all)."""
    if current == 0:
        return 0
    return max(1, math.ceil(current * (1 - max_shrink)))


def _engine_or_exit(settings: Settings, to_search: bool = False):
    """The configured engine, or a clear message and exit status 2 (unreachable cluster; when it
    is to be searched, an index built by an older version …)."""
    from zhengce.engines import open_engine

    try:
        engine = open_engine(settings)
        if to_search:
            engine.check_index()
        return engine
    except (RuntimeError, ValueError) as exc:
        print(f"zhengce: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    from search_api.server import run
    from search_api.staff_store import StaffStore

    settings = _settings(args)
    _engine_or_exit(settings, to_search=True)
    # The workers read their settings from the environment.
    os.environ["ZHENGCE_DATA_DIR"] = str(settings.data_dir)
    os.environ["ZHENGCE_BIND_HOST"] = args.host
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        staff = StaffStore(settings.staff_db_path, settings.scope_overrides_path)
        if not staff.has_staff():
            print("zhengce: warning: serving beyond this machine with no staff account — nobody can sign in"
                  " to the staff pages; add one with `zhengce staff add NAME`", file=sys.stderr)
        hosts = dataclasses.replace(settings, bind_host=args.host).host_allow_list
        print(f"zhengce: answering for host names {', '.join(hosts)} (set ZHENGCE_ALLOWED_HOSTS for others)",
              file=sys.stderr)
    print(f"zhengce: http://{args.host}:{args.port}/  (API docs: http://{args.host}:{args.port}/docs)", flush=True)
    run(args.host, args.port)
    return 0


def cmd_staff(args: argparse.Namespace) -> int:
    """Staff accounts: add (prints a new API token, once), password, remove, list, import-scope."""
    import getpass

    from search_api.staff_store import StaffStore

    settings = _settings(args)
    store = StaffStore(settings.staff_db_path, settings.scope_overrides_path)
    if args.action == "list":
        for name in store.staff_names():
            print(name)
        return 0
    if args.action == "import-scope":
        path = Path(args.name)
        print(f"imported {store.import_scope_file(path)} scope decisions from {path}")
        return 0
    if not args.name:
        print(f"zhengce staff {args.action} needs a NAME", file=sys.stderr)
        return 2
    if args.action == "add":
        try:
            token = store.add_staff(args.name)
        except ValueError as exc:
            print(f"zhengce: {exc}", file=sys.stderr)
            return 2
        print(f"API token for {args.name} (shown only now; use it as `Authorization: Bearer …`, or to sign in):")
        print(token)
        return 0
    if args.action == "password":
        password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass("password: ")
        try:
            store.set_password(args.name, password)
        except KeyError:
            print(f"zhengce: no staff account {args.name!r}", file=sys.stderr)
            return 2
        except ValueError as exc:
            print(f"zhengce: {exc}", file=sys.stderr)
            return 2
        print(f"password set for {args.name}")
        return 0
    if not store.remove_staff(args.name):
        print(f"zhengce: no staff account {args.name!r}", file=sys.stderr)
        return 2
    print(f"removed {args.name} with their tokens and sessions")
    return 0


def cmd_sample_site(args: argparse.Namespace) -> int:
    from sample_site.server import make_server

    server = make_server(args.port)
    print(f"sample site on http://127.0.0.1:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Sample site → real crawl → index → UI and API, in one command."""
    from sample_site.server import serve_in_background

    settings = _settings(args)
    _server, base_url = serve_in_background(args.site_port)
    print(f"sample site: {base_url}", flush=True)
    # A separate process: Scrapy's reactor and uvicorn's event loop should not share one.
    crawl_cmd = [sys.executable, "-m", "zhengce.cli", "--data-dir", str(settings.data_dir),
                 "crawl", "--site", SAMPLE_SITE, "--base-url", base_url, "--log-level", "WARNING"]
    if subprocess.call(crawl_cmd) != 0:  # the crawl ends by indexing what it stored
        print("crawl failed", file=sys.stderr)
        return 1
    return cmd_serve(args)


def cmd_calendar(args: argparse.Namespace) -> int:
    """status: the years covered and from where; import NOTICE.txt: a State Council notice's
    text → <data dir>/calendar/<year>.json, after a preview (--dry-run: the preview only)."""
    import json
    import os

    from analyzers.holiday_notice import NoticeError, parse_notice, preview
    from analyzers.workdays import WorkCalendar, load_calendar
    from search_api.schemas import calendar_overview

    settings = _settings(args)
    calendar = load_calendar(settings.calendar_dir)
    if args.action == "status":
        overview = calendar_overview(calendar)
        for year in overview.years:
            print(f"{year.year}  {year.days:3d} 天  {year.source}")
        print(f"确定至 {overview.settled_through}（此后的截止日期为暂定）")
        if overview.missing_years:
            print(f"缺少：{'、'.join(map(str, overview.missing_years))} 年")
        for problem in overview.problems:
            print(f"已跳过：{problem}", file=sys.stderr)
        return 1 if overview.problems else 0
    if not args.notice:
        print("zhengce calendar import: 需要通知全文的文本文件，例如 zhengce calendar import 2027.txt", file=sys.stderr)
        return 2
    try:
        text = Path(args.notice).read_text(encoding="utf-8-sig")
        year_file, items = parse_notice(text, "导入", tuple(args.url or ()))
    except (OSError, UnicodeDecodeError, NoticeError) as exc:
        reason = exc if isinstance(exc, NoticeError) else f"无法读取 {args.notice}：{exc}"
        print(f"zhengce calendar import: {reason}", file=sys.stderr)
        return 2
    print(f"{year_file.year} 年，读到 {len(items)} 项、{len(year_file.days)} 天：")
    for line in preview(items, year_file.year):
        print(f"  {line}")
    after = WorkCalendar({**calendar.years, year_file.year: year_file})
    changed = [d for d in (day.date for day in year_file.days) if calendar.is_workday(d) != after.is_workday(d)]
    if year_file.year in calendar.years:
        print(f"替换现有的 {year_file.year} 年（{calendar.years[year_file.year].source}）；"
              f"改变工作日的日期：{'、'.join(map(str, changed)) or '无'}")
    if args.dry_run:
        return 0
    settings.calendar_dir.mkdir(parents=True, exist_ok=True)
    target = settings.calendar_dir / f"{year_file.year}.json"
    partial = target.with_suffix(".json.tmp")
    partial.write_text(json.dumps(year_file.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, target)
    print(f"已写入 {target}：下一次统计起生效，无需重建索引")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zhengce", description="Policy document search engine")
    parser.add_argument("--data-dir", help="where the raw store and index live (default $ZHENGCE_DATA_DIR or ./data)")
    sub = parser.add_subparsers(dest="command", required=True)

    crawl = sub.add_parser("crawl", help="crawl a site into the raw store")
    crawl.add_argument("--site", required=True,
                       help="site template name: NAME.toml in <data dir>/sites, $ZHENGCE_SITES_DIR or sites/")
    crawl.add_argument("--base-url", help="override the template's base URL (e.g. a local mirror)")
    crawl.add_argument("--log-level", default="INFO")
    crawl.add_argument("--delay", type=float,
                       help="seconds between requests, overriding the template (0: no delay, no AutoThrottle — "
                            "for a local mirror, not a real government site)")
    crawl.add_argument("--recheck", action="store_true",
                       help="ask again (conditionally) for every page, not only those past the revisit period")
    crawl.add_argument("--wait", action="store_true", help="wait for another crawl of this data dir to end, not refuse")
    crawl.add_argument("--no-update", action="store_true",
                       help="only store what was fetched; leave the index as it is (`zhengce update` later)")
    crawl.set_defaults(func=cmd_crawl)

    for name, func, help_text in (
        ("reindex", cmd_reindex, "re-analyze the whole raw store and rebuild the index (no network): after"
                                 " analyzer, dictionary or template changes"),
        ("update", cmd_update, "re-analyze only the pages new, changed or withdrawn since the last build or"
                               " update and change only the documents that differ (no network)"),
    ):
        command = sub.add_parser(name, help=help_text)
        command.add_argument("--allow-shrink", action="store_true",
                             help="change the index even if it loses most or all of its documents")
        command.add_argument("--wait", action="store_true", help="wait for another reindex or update of this data dir")
        command.set_defaults(func=func)

    for name, func, help_text in (
        ("serve", cmd_serve, "serve the UI and API"),
        ("demo", cmd_demo, "sample site + crawl + index + serve"),
    ):
        command = sub.add_parser(name, help=help_text)
        command.add_argument("--host", default="127.0.0.1")
        command.add_argument("--port", type=int, default=8000)
        if name == "demo":
            command.add_argument("--site-port", type=int, default=8001)
        command.set_defaults(func=func)

    staff = sub.add_parser("staff", help="staff accounts: add NAME, password NAME, remove NAME, list, import-scope FILE")
    staff.add_argument("action", choices=("add", "password", "remove", "list", "import-scope"))
    staff.add_argument("name", nargs="?", default="", help="the account (for import-scope: the JSON file)")
    staff.set_defaults(func=cmd_staff)

    calendar = sub.add_parser("calendar", help="holiday calendar: status, import NOTICE.txt")
    calendar.add_argument("action", choices=("status", "import"))
    calendar.add_argument("notice", nargs="?", default="", help="import: the notice's text (UTF-8)")
    calendar.add_argument("--url", action="append", help="import: the notice's address (papers); may repeat")
    calendar.add_argument("--dry-run", action="store_true", help="import: show what was read, write nothing")
    calendar.set_defaults(func=cmd_calendar)

    sample = sub.add_parser("sample-site", help="serve the bundled sample government site")
    sample.add_argument("--port", type=int, default=8001)
    sample.set_defaults(func=cmd_sample_site)
    return parser


def main(argv: list[str] | None = None) -> int:
    from crawler.raw_store import RawStoreError
    from search_api.staff_store import StaffStoreError
    from sites import SiteConfigError
    from zhengce.locks import Busy

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (SettingsError, SiteConfigError, RawStoreError, StaffStoreError, Busy) as exc:
        print(f"zhengce: {exc}", file=sys.stderr)
        return 2
    except (sqlite3.Error, OSError) as exc:  # a full disk, an I/O error: one line, not a traceback
        print(f"zhengce {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
