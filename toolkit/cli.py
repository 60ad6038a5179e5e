"""``clusterkit`` — the consultant's command line, every subcommand in this one module.

Each subcommand is a function ``cmd_<name>(args) -> int`` here: it calls the documented Python API
(the same functions a notebook or a test calls), prints what the consultant needs and returns the
exit code. The checks on what a person typed (an empty name, years without statistics yet, an output
folder that is a file, a mistyped date or round) live in the API, so a notebook gets them too; a
``ToolkitError`` is printed as one line in Chinese (exit code 2), never a traceback.

Exit codes: 0 done; 1 done, but there is something to fix (problems in the workbook, a failed
client, a damaged package, a broken template); 2 the command could not run.

Each command imports what it uses when it runs, so ``clusterkit check`` does not pay for matplotlib
or papermill.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from toolkit import __version__
from toolkit.core.errors import ToolkitError


def _err(*lines: str) -> None:
    print(*lines, sep="\n", file=sys.stderr)


# -- the commands ------------------------------------------------------------------------------------

def cmd_new_client(args) -> int:
    from toolkit.intake import schema
    from toolkit.intake.blank import default_years, new_client

    target = new_client(args.dir, args.name, args.years, force=args.force)
    years = sorted(args.years or default_years())
    print(f"已生成 {target}（模板版本 {schema.version()}，指标年度 {years[0]}—{years[-1]}）")
    print(f"佐证材料请放在 {target.parent / 'evidence'}/，填好后运行：clusterkit check {target.parent}")
    return 0


def cmd_check(args) -> int:
    from toolkit.intake.reader import PROBLEMS_SHEET, check_workbook, format_report, write_annotated

    result = check_workbook(args.dir)
    version = f"（模板版本 {result.template_version}）" if result.template_version else ""
    print(f"检查 {result.workbook}{version}")
    print(format_report(result))
    if result.readable:
        try:
            out = write_annotated(result, args.annotated)
            print(f"标注副本：{out}（问题单元格已标色并加批注，另有“{PROBLEMS_SHEET}”表）")
        except ToolkitError as exc:  # e.g. a read-only client folder: the problems above still stand
            _err(f"未能写出标注副本：{exc}（也可以用 --annotated 指定别的位置）")
    return 1 if result.errors else 0  # 待补充 and 提示 alone: 0 (blanks are incompleteness, not errors)


def cmd_assess(args) -> int:
    from toolkit.assess.assessment import assess, format_table, remove_stale, write_json, write_workbook
    from toolkit.intake.reader import read_partial, resolve_paths

    folder, _ = resolve_paths(args.dir)
    out = Path(args.json) if args.json else None
    try:
        client = read_partial(args.dir)   # blanks are incompleteness: the assessment always runs
        out = out or client.folder / "assessment.json"
        a = assess(client, args.rulebook, args.round, western_relaxation=args.western_relaxation)
    except ToolkitError:
        for p in remove_stale(out or folder / "assessment.json"):
            _err(f"已删除之前的 {p}：本次评估未能完成，旧结论不再对应当前的工作簿或规则")
        raise
    write_json(a, out)
    book = write_workbook(a, out.with_suffix(".xlsx"))
    print(format_table(a))
    print(f"\n已写入 {out} 及诊断表 {book}")
    for p in client.problems or []:
        kind = getattr(p, "severity", "")
        if kind != "missing":  # the blanks are the 数据缺失 rows above
            _err(f"{'有误' if kind == 'error' else '提示'}：{p}")
    return 0


def cmd_package(args) -> int:
    from toolkit.package.writer import build_package

    result = build_package(args.dir, round=args.round, rulebook=args.rulebook, output=args.output,
                           western_relaxation=args.western_relaxation)
    a = result.assessment
    print(f"申报材料包：{result.path}")
    print(f"评估结论：{a.overall}（准备度{round(a.readiness)}分，规则库 {a.rulebook} {a.rulebook_version}）")
    for p in result.files:
        print(f"  {p.relative_to(result.path).as_posix()}")
    return 0


def cmd_province(args) -> int:
    from toolkit.province.decision import decide_round
    from toolkit.province.tables import write_province_tables

    files = write_province_tables(args.output, args.round)  # damaged packages are named on stderr
    if not files:
        _err(f"未找到 {args.round} 年度可用的申报材料包：请先运行 clusterkit package 或 clusterkit batch。")
        return 1
    print(*files, sep="\n")
    damaged = decide_round(args.output, args.round)[1]
    if damaged:  # the tables are not the whole round
        _err(f"注意：{len(damaged)} 个材料包无法读取，未列入汇总表（见上方警告）；修复后重新运行 clusterkit province。")
        return 1
    return 0


def cmd_brief(args) -> int:
    from toolkit.assess.assessment import assess
    from toolkit.assess.rounds import load_round
    from toolkit.core.clock import today as today_of
    from toolkit.documents import briefing
    from toolkit.intake.reader import read_client

    today = today_of(args.today)  # a mistyped --today stops here, before anything is read
    client = read_client(args.dir)
    rnd = load_round(args.round) if args.round else None
    a = assess(client, args.rulebook, rnd, western_relaxation=args.western_relaxation)
    folder = briefing.brief_dir(args.output, getattr(rnd, "year", None) or "no-round", client)
    files = briefing.write_brief(client, a, rnd, folder, today=today)
    print(briefing.verdict_sentence(a))
    print(briefing.deadline_sentence(briefing.deadline_for(client, rnd, today)))
    for name, path in files.items():
        print(f"  {name}: {path}")
    return 0


def cmd_batch(args) -> int:
    from toolkit.run.batch import run_batch

    # -p values stay text here: run_batch types them by the notebook's declaration (toolkit.run.parameters)
    params = {name: value for name, value in args.param or []}
    result = run_batch(args.clients, round=args.round, rulebook=args.rulebook, output=args.output, jobs=args.jobs,
                       timeout=args.timeout, force=args.force, western_relaxation=args.western_relaxation,
                       parameters=params, kernel=args.kernel or "auto", wait=args.wait or 0)
    _print_batch(result)
    return 1 if result.failed else 0


def cmd_rulebook_check(args) -> int:
    from toolkit.assess.audit import check_rulebooks
    from toolkit.assess.rulebook import available_rulebooks, load_rulebook
    from toolkit.core import formatting as fmt

    today = fmt.parse_date(args.today, "--today") if getattr(args, "today", None) else None
    rounds = [args.round] if getattr(args, "round", None) else None
    names = list(args.rulebooks or []) or available_rulebooks()
    findings = check_rulebooks(names, rounds=rounds, today=today)
    for name in names:
        mine = [f for f in findings if f.rulebook == str(name)]
        errors = [f for f in mine if f.severity == "error"]
        if errors:
            print(f"{name}：未通过")
        else:
            rb = load_rulebook(name)
            print(f"{name}：通过（{rb.title}，{len(rb.criteria)}条标准，均有出处）")
        for f in sorted(mine, key=lambda f: f.severity != "error"):
            print(f"  {'错误' if f.severity == 'error' else '提示'}  {f}")
    n_err = sum(f.severity == "error" for f in findings)
    n_warn = len(findings) - n_err
    print(f"共检查 {len(names)} 个规则库：{n_err} 个错误、{n_warn} 个提示。")
    return 1 if n_err else 0


def cmd_rulebook_diff(args) -> int:
    from toolkit.assess.audit import diff_rulebooks, format_diff

    diffs = diff_rulebooks(args.old, args.new, args.clients, round=args.round)
    print(format_diff(diffs, args.old, args.new))
    return 1 if any(d.error for d in diffs) else 0


def cmd_templates_check(args) -> int:
    from toolkit.documents.template_check import check_templates, default_paths, template_files

    paths = [Path(p) for p in args.paths] or default_paths()
    findings = check_templates(paths)
    for f in findings:
        print(f, file=sys.stderr if f.severity == "error" else sys.stdout)
    errors = sum(1 for f in findings if f.severity == "error")
    count = sum(len(template_files(p)) if p.is_dir() else 1 for p in paths)
    if errors:
        _err(f"模板检查：{count} 个模板，发现 {errors} 个错误。修正后再运行 clusterkit templates check。")
        return 1
    print(f"模板检查：{count} 个模板，未发现错误。")
    return 0


def cmd_reference_import(args) -> int:
    from toolkit.province.reference import import_official_list, load_recognised

    read = import_official_list(args.file, args.dest)
    print(f"已导入 {args.file} → {read.dest}：读入 {len(read.rows)} 行；现共 {len(load_recognised())} 个已认定集群可供比对。")
    for problem in read.problems:
        print(f"  提示：{problem}")
    return 0


def cmd_reference_list(args) -> int:
    from toolkit.province.reference import load_recognised

    for c in load_recognised():
        print(f"{c.year_text}\t{c.province}\t{c.county}\t{c.cluster_name}\t{c.sub_field}")
    return 0


# -- what they print -----------------------------------------------------------------------------------

def _print_batch(result) -> None:
    """Where the packages are and every failure, in Chinese."""
    from toolkit.run.batch import OK

    print(f"完成 {len(result.ok)} 个，跳过 {len(result.skipped)} 个（未变化），失败 {len(result.failed)} 个。")
    for run in result.ok:
        print(f"  ✓ {run.client_id}: {run.package}")
    for run in result.skipped:
        print(f"  = {run.client_id}（未变化，跳过；--force 重跑）: {run.package}")
    if result.province is not None and result.province.status == OK:
        print(f"省级汇总：{result.province.notebook}")
        for t in result.province.result.get("tables") or []:
            print(f"  {t}")
    print(f"运行记录：{result.manifest}")
    print(f"汇总表：{result.summary}")
    if result.failed:
        print("失败：")
        for run in result.failed:
            nb = f"（笔记本：{run.notebook}）" if run.notebook else ""
            print(f"  ✗ {run.client_id}: {run.reason}{nb}")


# -- the parser ----------------------------------------------------------------------------------------

def _default_round() -> str:
    from toolkit.assess.rounds import default_round

    return str(default_round())


def _add_rulebook_round(p: argparse.ArgumentParser, *, round_default: bool = True) -> None:
    p.add_argument("--rulebook", default=None,
                   help="rulebook id in data/criteria (national-2022, yunnan, shanghai, review-2022 …) or a YAML "
                        "file of your own; default: review-2022 for a client whose 申报类型 is 复核, else national-2022 "
                        "(a province's rulebook is used only when named here)")
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
    p.set_defaults(handler=cmd_new_client)

    p = sub.add_parser("check", help="list every problem in a client's workbook by sheet and cell")
    p.add_argument("dir", help="client folder (holding intake.xlsx) or the workbook itself")
    p.add_argument("--annotated", default=None,
                   help="where to write the copy with problem cells highlighted (default: <dir>/intake.checked.xlsx)")
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("assess", help="assess a client against the criteria; prints a table, writes assessment.json")
    p.add_argument("dir", help="client folder")
    _add_rulebook_round(p)
    p.add_argument("--json", default=None, help="where to write assessment.json (default: <dir>/assessment.json)")
    p.set_defaults(handler=cmd_assess)

    p = sub.add_parser("package", help="write a client's application package (Word documents, assessment, manifest, zip)")
    p.add_argument("dir", help="client folder")
    _add_rulebook_round(p)
    p.add_argument("--output", default="output", help="output root (default: %(default)s)")
    p.set_defaults(handler=cmd_package)

    p = sub.add_parser("province", help="province summary tables (附件2, 附件4) from a batch's packages")
    p.add_argument("output", help="a batch's output root, holding <round>/<province>/<client> packages")
    p.add_argument("--round", default=_default_round(), help="round year in data/rounds (default: %(default)s)")
    p.set_defaults(handler=cmd_province)

    p = sub.add_parser("brief", help="briefing charts, memo and client proposal for one client")
    p.add_argument("dir", help="client folder")
    _add_rulebook_round(p)
    p.add_argument("--output", default="output", help="output root (default: %(default)s)")
    p.add_argument("--today", default=None, help="date to count the days to the deadline from (YYYY-MM-DD)")
    p.set_defaults(handler=cmd_brief)

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
    p.set_defaults(handler=cmd_batch)

    p = sub.add_parser("rulebook", help="audit rulebooks: references and dates; what a changed rule changes")
    rsub = p.add_subparsers(dest="rulebook_command", metavar="ACTION", required=True)
    r = rsub.add_parser("check", help="every rule has a reference; warns on checks older than a year and rounds "
                                      "outside a rule's period (exit 1 on an error)")
    r.add_argument("rulebooks", nargs="*", help="rulebook ids or YAML files (default: every rulebook in data/criteria)")
    r.add_argument("--round", default=None, help="check periods against this round only (default: every round)")
    r.add_argument("--today", default=None, help="date to age the checks from (YYYY-MM-DD; default: today)")
    r.set_defaults(handler=cmd_rulebook_check)
    r = rsub.add_parser("diff", help="per client, the criteria whose verdict changes from one rulebook to another")
    r.add_argument("old", help="the rulebook in use (id or YAML file)")
    r.add_argument("new", help="the changed rulebook (id or YAML file)")
    r.add_argument("clients", nargs="+", help="client folders")
    r.add_argument("--round", default=_default_round(), help="round year in data/rounds (default: %(default)s)")
    r.set_defaults(handler=cmd_rulebook_diff)

    p = sub.add_parser("templates", help="work with the Word and text templates")
    tsub = p.add_subparsers(dest="templates_command", metavar="ACTION", required=True)
    t = tsub.add_parser("check", help="lint Word templates: split tags, curly quotes, row loops, unknown variables")
    t.add_argument("paths", nargs="*", help="templates to check (default: every template in templates/)")
    t.set_defaults(handler=cmd_templates_check)

    p = sub.add_parser("reference", help="the recognised clusters a candidate is compared with (data/reference)")
    rsub = p.add_subparsers(dest="reference_command", metavar="ACTION", required=True)
    r = rsub.add_parser("import", help="load the full official list (认定名单 .xlsx or .csv) once; it is read first")
    r.add_argument("file", help="the official list, with at least a 集群名称 column")
    r.add_argument("dest", nargs="?", default=None,
                   help="where to store it (default: data/reference/recognised_clusters_official.csv)")
    r.set_defaults(handler=cmd_reference_import)
    r = rsub.add_parser("list", help="print every recognised cluster known: year, province, county, name, 细分领域")
    r.set_defaults(handler=cmd_reference_list)

    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 1
    try:
        return int(args.handler(args) or 0)
    except ToolkitError as exc:
        _err(f"错误：{exc}")
        return 2
    except KeyboardInterrupt:
        _err("已中断。")
        return 130
    except BrokenPipeError:  # the reader went away (`clusterkit reference list | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
