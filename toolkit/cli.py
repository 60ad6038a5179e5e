"""``clusterkit`` — the consultant's command line. A thin layer over the documented Python API.

Each subcommand is one function ``cmd_*(args) -> int`` in the module of its concept, imported only
when that subcommand runs, so ``clusterkit check`` does not pay for matplotlib or papermill.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from toolkit import __version__
from toolkit.core.errors import ToolkitError


def _default_round() -> str:
    from toolkit.assess.rounds import default_round

    return str(default_round())


def _add_rulebook_round(p: argparse.ArgumentParser, *, round_default: bool = True) -> None:
    p.add_argument("--rulebook", default=None,
                   help="rulebook id in data/criteria (national-2022, yunnan, shanghai, review-2022 …) or a YAML "
                        "file of your own; default: the one for the client's province and application type")
    if round_default:
        p.add_argument("--round", default=_default_round(), help="round year in data/rounds (default: %(default)s)")
    else:  # batch: no default here, so that a -p round can be told from an explicit --round
        p.add_argument("--round", default=None, help=f"round year in data/rounds (default: {_default_round()})")
    p.add_argument("--western-relaxation", action="store_true",
                   help="apply the round's 西部地区放宽 setting to clients in 西部 provinces (shown in every output)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clusterkit",
        description="集群申报工具箱：中小企业特色产业集群申报与复核的咨询工具",
    )
    parser.add_argument("--version", action="version", version=f"clusterkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("new-client", help="create a client folder with a blank intake workbook to send to the county")
    p.add_argument("dir", help="the client folder to create")
    p.add_argument("--name", required=True, help="cluster name, e.g. 某某县智能家电产业集群")
    p.add_argument("--years", nargs=3, type=int, metavar="YEAR",
                   help="the three indicator years (default: the three years before this one)")
    p.add_argument("--force", action="store_true", help="overwrite an existing intake.xlsx")
    p.set_defaults(handler="toolkit.intake.blank:cmd_new_client")

    p = sub.add_parser("check", help="list every problem in a client's workbook by sheet and cell")
    p.add_argument("dir", help="client folder (holding intake.xlsx) or the workbook itself")
    p.add_argument("--annotated", default=None,
                   help="where to write the copy with problem cells highlighted (default: <dir>/intake.checked.xlsx)")
    p.set_defaults(handler="toolkit.intake.reader:cmd_check")

    p = sub.add_parser("assess", help="assess a client against the criteria; prints a table, writes assessment.json")
    p.add_argument("dir", help="client folder")
    _add_rulebook_round(p)
    p.add_argument("--json", default=None, help="where to write assessment.json (default: <dir>/assessment.json)")
    p.set_defaults(handler="toolkit.assess.assessment:cmd_assess")

    p = sub.add_parser("package", help="write a client's application package (Word documents, assessment, manifest, zip)")
    p.add_argument("dir", help="client folder")
    _add_rulebook_round(p)
    p.add_argument("--output", default="output", help="output root (default: %(default)s)")
    p.set_defaults(handler="toolkit.package.writer:cmd_package")

    p = sub.add_parser("province", help="province summary tables (附件2, 附件4) from a batch's packages")
    p.add_argument("output", help="a batch's output root, holding <round>/<province>/<client> packages")
    p.add_argument("--round", default=_default_round(), help="round year in data/rounds (default: %(default)s)")
    p.set_defaults(handler="toolkit.province.tables:cmd_province")

    p = sub.add_parser("brief", help="briefing charts, memo and client proposal for one client")
    p.add_argument("dir", help="client folder")
    _add_rulebook_round(p)
    p.add_argument("--output", default="output", help="output root (default: %(default)s)")
    p.add_argument("--today", default=None, help="date to count the days to the deadline from (YYYY-MM-DD)")
    p.set_defaults(handler="toolkit.documents.briefing:cmd_brief")

    p = sub.add_parser("batch", help="run every client's notebook and package, N at a time, then the province tables")
    p.add_argument("clients", nargs="+", help="client folders")
    _add_rulebook_round(p, round_default=False)
    p.add_argument("--jobs", "-j", type=int, default=2, help="clients run at once (default: %(default)s)")
    p.add_argument("--output", default="output", help="output root (default: %(default)s)")
    p.add_argument("--timeout", type=float, default=600, help="seconds allowed per client (default: %(default)s)")
    p.add_argument("--force", action="store_true", help="re-run clients whose package is up to date")
    p.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                   help="when another batch is using the output folder, wait this long for it (default: refuse at once)")
    p.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"),
                   help="a notebook parameter, as the type the notebook declares (a switch: true/false, 是/否); "
                        "-p round/rulebook/western_relaxation are the options of that name")
    p.add_argument("--kernel", default="auto",
                   help="auto (a fresh kernel per client, forked from a preloaded server), or a kernel name such as python3")
    p.set_defaults(handler="toolkit.run.batch:cmd_batch")

    p = sub.add_parser("templates", help="work with the Word and text templates")
    tsub = p.add_subparsers(dest="templates_command", metavar="ACTION", required=True)
    t = tsub.add_parser("check", help="lint Word templates: split tags, curly quotes, row loops, unknown variables")
    t.add_argument("paths", nargs="*", help="templates to check (default: every template in templates/)")
    t.set_defaults(handler="toolkit.documents.template_check:cmd_templates_check")

    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 1
    module_name, func_name = args.handler.split(":")
    handler = getattr(importlib.import_module(module_name), func_name)
    try:
        return int(handler(args) or 0)
    except ToolkitError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
