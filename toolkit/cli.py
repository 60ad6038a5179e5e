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


# argparse's own words (usage, errors, "required", "invalid choice"), in Chinese. argparse looks them up
# through gettext at the moment it prints, so replacing its lookup makes every message Chinese.
ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "the following arguments are required: %s": "缺少必须给出的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择：%(value)r（可选：%(choices)s）",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n（运行 %(prog)s --help 查看用法）\n",
    "expected one argument": "后面需要一个值",
    "expected at most one argument": "后面最多一个值",
    "expected at least one argument": "后面至少需要一个值",
    "expected %s argument": "后面需要 %s 个值",
    "expected %s arguments": "后面需要 %s 个值",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid %(type)s value: %(value)r": "%(value)r 不是有效的%(type)s值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 须给出其中一个",
    "ignored explicit argument %r": "多余的值 %r 被忽略",
}


def _chinese_argparse() -> None:
    argparse._ = lambda text: ARGPARSE_ZH.get(text, text)
    argparse.ngettext = lambda one, many, n: ARGPARSE_ZH.get(one if n == 1 else many, one if n == 1 else many)


def _safe_streams() -> None:
    """A Chinese-locale Windows console encodes GBK, which lacks ›, ✓ and ✗: characters the console
    cannot show are replaced instead of ending the command in a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError, OSError):  # a stream that is not a text file (e.g. captured)
            pass


# -- the commands ------------------------------------------------------------------------------------

def cmd_init(args) -> int:
    from toolkit.core.settings import init_project

    made = init_project(args.dir)
    print(f"已建立项目文件夹 {Path(args.dir).resolve()}：")
    for path in made:
        print(f"  {path}")
    print("在 clusterkit.toml 中填写咨询机构名称等设置；在此文件夹中运行 clusterkit 命令时，"
          "templates/、data/criteria/、data/rounds/ 中的文件优先于工具自带的。")
    return 0


def cmd_new_client(args) -> int:
    from toolkit.intake import schema
    from toolkit.intake.blank import default_years, new_client

    if args.from_dir:
        from toolkit.assess.schedule import round_of_window
        from toolkit.intake.carry_over import carry_over

        years = sorted(args.years or default_years())
        target, refresh = carry_over(args.from_dir, args.dir, years)
        print(f"已生成 {target}（由 {args.from_dir} 延续，指标年度 {years[0]}—{years[-1]}，"
              f"对应{round_of_window(years) or '—'}年度）")
        print("须刷新：", *[f"  {i}. {t}" for i, t in enumerate(refresh, 1)], sep="\n")
        _years_note(years)
        return 0
    if args.name is None:
        raise ToolkitError("new-client 须给出 --name 集群名称（或用 --from 上一轮客户文件夹 延续）")

    target = new_client(args.dir, args.name, args.years, force=args.force)
    years = sorted(args.years or default_years())
    print(f"已生成 {target}（模板版本 {schema.version()}，指标年度 {years[0]}—{years[-1]}）")
    print(f"佐证材料请放在 {target.parent / 'evidence'}/，填好后运行：clusterkit check {target.parent}")
    _years_note(years)
    return 0


def _years_note(years) -> None:
    """Which round the workbook's years fit, against the next open round by date."""
    from toolkit.assess.schedule import label, next_open_round, round_of_window, window, years_text
    from toolkit.core.clock import today

    data, plan = round_of_window(years), next_open_round(today())
    if data is not None and data != plan.year:
        _err(f"注意：指标年度{years_text(years)}对应{data}年度；下一轮为{label(plan)}，需{years_text(window(plan.year))}"
             f"数据，统计数据齐备后请用 --years {' '.join(map(str, window(plan.year)))}")


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


def _rounds(args, client):
    """The data round and the plan round of ``client`` on --today (toolkit.assess.schedule.choose_rounds);
    the notes are printed on stderr."""
    from toolkit.assess.schedule import choose_rounds

    choice = choose_rounds(client.years, client.recommender or client.province, args.round or _settings_round(),
                           getattr(args, "today", None), folder=str(args.dir))
    for n in choice.notes:
        _err(f"注意：{n}")
    if choice.plan.projected:
        _err(f"注意：{choice.plan.projection_note}")
    return choice


def cmd_assess(args) -> int:
    from toolkit.assess.assessment import assess, format_table, remove_stale, write_json, write_workbook
    from toolkit.intake.reader import read_partial, resolve_paths

    folder, _ = resolve_paths(args.dir)
    out = Path(args.json) if args.json else None
    try:
        client = read_partial(args.dir)   # blanks are incompleteness: the assessment always runs
        out = out or client.folder / "assessment.json"
        choice = _rounds(args, client)
        a = assess(client, args.rulebook, choice.data, western_relaxation=args.western_relaxation)
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
    from toolkit.intake.reader import read_partial
    from toolkit.package.manifest import kept_lines
    from toolkit.package.writer import build_package

    choice = _rounds(args, read_partial(args.dir))
    result = build_package(args.dir, round=choice.data, today=args.today, rulebook=args.rulebook, output=args.output,
                           western_relaxation=args.western_relaxation, final=args.final)
    a = result.assessment
    print(f"申报材料包：{result.path}")
    print(f"评估结论：{a.overall}（准备度{round(a.readiness)}分，规则库 {a.rulebook} {a.rulebook_version}）")
    print(_status_line(result.manifest))
    for p in result.files:
        print(f"  {p.relative_to(result.path).as_posix()}")
    for line in kept_lines(result.kept):
        print(f"注意：{line}")
    return 0


def _status_line(manifest: dict) -> str:
    """Draft or ready, said once: 可以报送 / 草稿（原因）/ 已按 --final 定稿（覆盖了什么）."""
    st = manifest.get("status") or {}
    if st.get("final") and st.get("overridden"):
        return "申报材料：已按 --final 定稿（覆盖：" + "；".join(st["overridden"]) + "）"
    if st.get("draft"):
        return "申报材料：草稿，尚不能报送（" + "；".join(st.get("reasons") or []) + "）"
    return "申报材料：可以报送（无草稿标记）"


def cmd_province(args) -> int:
    from toolkit.province.decision import decide_round
    from toolkit.province.tables import write_province_tables

    from toolkit.assess.rounds import default_round

    args.round = args.round or _settings_round() or str(default_round())
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
    from toolkit.core.clock import today as today_of
    from toolkit.documents import briefing
    from toolkit.intake.reader import read_client

    today = today_of(args.today)  # a mistyped --today stops here, before anything is read
    client = read_client(args.dir)
    rnd = _rounds(args, client).data
    a = assess(client, args.rulebook, rnd, western_relaxation=args.western_relaxation)
    folder = briefing.brief_dir(args.output, getattr(rnd, "year", None) or "no-round", client)
    files = briefing.write_brief(client, a, rnd, folder, today=today)
    print(briefing.verdict_sentence(a))
    print(briefing.deadline_sentence(briefing.deadline_for(client, rnd, today)))
    past = briefing.schedule(client, a, rnd, today)["past_sentence"]
    if past:
        print(past)
    for name, path in files.items():
        print(f"  {name}: {path}")
    return 0


def cmd_annual_report(args) -> int:
    from toolkit.documents.annual_report import report_dir, write_annual_report
    from toolkit.intake.reader import read_client

    client = read_client(args.dir)
    folder = Path(args.output) if args.output else report_dir("output", args.year, client)
    path = write_annual_report(client, args.year, folder)   # a new applicant, or a wrong year: a named error
    print(f"年度发展情况报告：{path}")
    print("请县级主管部门补写【待补充】段落（年度工作和下一步安排），核对数据后按通知报送")
    return 0


def cmd_batch(args) -> int:
    from toolkit.run.batch import run_batch

    # -p values stay text here: run_batch types them by the notebook's declaration (toolkit.run.parameters)
    params = {name: value for name, value in args.param or []}
    result = run_batch(args.clients, round=args.round, rulebook=args.rulebook, output=args.output, jobs=args.jobs,
                       timeout=args.timeout, force=args.force, western_relaxation=args.western_relaxation,
                       parameters=params, kernel=args.kernel or "auto", wait=args.wait or 0,
                       scheduler=getattr(args, "scheduler", None))
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


def cmd_status(args) -> int:
    from toolkit.run.status import client_status

    stale = 0
    for folder in args.clients:
        st = client_status(folder, args.output)
        print(st.line())
        stale += not st.up_to_date
    print(f"共 {len(args.clients)} 个客户：{len(args.clients) - stale} 个最新，{stale} 个需要重跑（未运行任何内容）。")
    return 0


def cmd_report(args) -> int:
    from toolkit.run.report import write_report

    out = write_report(args.package, args.out)
    print(f"客户报告（网页，已隐藏代码）：{out}")
    return 0


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
    from toolkit.run.worker import OK, SKIPPED

    print(f"完成 {len(result.ok)} 个，跳过 {len(result.skipped)} 个（未变化），失败 {len(result.failed)} 个。")
    from toolkit.core.errors import ToolkitError
    from toolkit.package.manifest import kept_lines, read_manifest

    for run in result.ok:
        print(f"  ✓ {run.client_id}: {run.package}")
        try:
            manifest = read_manifest(run.package) if run.package else {}
        except ToolkitError:
            manifest = {}
        if manifest:
            print(f"    {_status_line(manifest)}")
            for line in kept_lines(manifest.get("kept") or []):
                print(f"    注意：{line}")
    for run in result.skipped:
        print(f"  = {run.client_id}（未变化，跳过；--force 重跑）: {run.package}")
    if result.province is not None and result.province.status in (OK, SKIPPED):
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

def _settings():
    from toolkit.core.settings import load

    return load()


def _default_round() -> str:
    return "截止日期未过的下一轮，通知未发布的标注“预计”"



def _settings_round():
    """The project folder's round (clusterkit.toml), if it sets one: taken as --round."""
    return _settings().round


ROUND_HELP = ("申报年度（data/rounds 中的年份），须与填报表的三个指标年度相符；默认：填报表本身对应的年度，"
              "计划按截止日期未过的下一轮安排（通知未发布的年度标注“预计”）")


def _add_rulebook_round(p: argparse.ArgumentParser, *, round_default: bool = True) -> None:
    p.add_argument("--rulebook", default=None,
                   help="规则库：data/criteria 中的编号（national-2022、yunnan、shanghai、review-2022 等）或自己的 YAML 文件；"
                        "默认：申报类型为复核的用 review-2022，其余用 national-2022（省级规则库须在此指定）")
    p.add_argument("--round", default=None, help=ROUND_HELP)
    if round_default:  # batch: the notebooks take no --today
        p.add_argument("--today", default=None, help="制订计划所用的日期（YYYY-MM-DD；默认：今天）")
    p.add_argument("--western-relaxation", action="store_true",
                   help="对西部省份的客户采用本年度的“西部地区可适当放宽”设置（开启时每份输出都会注明）")


def _output(p: argparse.ArgumentParser) -> None:
    default = str(_settings().output)
    p.add_argument("--output", default=default, help="输出文件夹（默认：%(default)s）")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clusterkit",
        description="集群申报工具箱：中小企业特色产业集群申报与复核的咨询工具。"
                    "运行 clusterkit 命令 --help 查看每个命令的用法。",
    )
    parser.add_argument("--version", action="version", version=f"clusterkit {__version__}", help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令", title="命令")

    p = sub.add_parser("init", help="建立咨询机构的项目文件夹：设置文件、客户和输出文件夹、可改写的模板与规则库")
    p.add_argument("dir", metavar="项目文件夹", help="要建立的项目文件夹")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("new-client", help="建立客户文件夹，生成发给县里填写的空白数据填报表")
    p.add_argument("dir", metavar="客户文件夹", help="要建立的客户文件夹")
    p.add_argument("--name", default=None, help="集群名称，如 某某县智能家电产业集群（用 --from 时不需要）")
    p.add_argument("--from", dest="from_dir", default=None, metavar="上一轮客户文件夹",
                   help="由上一轮的客户文件夹延续：企业名单、平台、规划和佐证材料清单沿用，指标年度顺延")
    p.add_argument("--years", nargs=3, type=int, metavar="年份",
                   help="三个指标年度（默认：今年之前的三个年度）")
    p.add_argument("--force", action="store_true", help="覆盖已有的 intake.xlsx")
    p.set_defaults(handler=cmd_new_client)

    p = sub.add_parser("check", help="检查客户的填报表，按工作表和单元格列出每个问题")
    p.add_argument("dir", metavar="客户文件夹", help="客户文件夹（内有 intake.xlsx）或填报表本身")
    p.add_argument("--annotated", default=None,
                   help="标注副本的保存位置（问题单元格标色并加批注；默认：<客户文件夹>/intake.checked.xlsx）")
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("assess", help="对照认定标准评估客户：打印结论表，写出 assessment.json")
    p.add_argument("dir", metavar="客户文件夹", help="客户文件夹")
    _add_rulebook_round(p)
    p.add_argument("--json", default=None, help="assessment.json 的保存位置（默认：<客户文件夹>/assessment.json）")
    p.set_defaults(handler=cmd_assess)

    p = sub.add_parser("package", help="生成客户的申报材料包（Word 文件、评估结果、清单、压缩包）")
    p.add_argument("dir", metavar="客户文件夹", help="客户文件夹")
    _add_rulebook_round(p)
    _output(p)
    p.add_argument("--final", action="store_true",
                   help="把检查认为是草稿的申报材料定稿（不加草稿标记）；manifest.json 记录覆盖了什么")
    p.set_defaults(handler=cmd_package)

    p = sub.add_parser("province", help="由材料包生成省级汇总表（附件2、附件4）")
    p.add_argument("output", metavar="输出文件夹", help="批量运行的输出文件夹（内有 <年度>/<推荐单位>/<客户> 材料包）")
    p.add_argument("--round", default=None, help=f"申报年度（默认：{_default_round()}）")
    p.set_defaults(handler=cmd_province)

    p = sub.add_parser("brief", help="为一个客户生成简报图表、简报和申报服务方案")
    p.add_argument("dir", metavar="客户文件夹", help="客户文件夹")
    _add_rulebook_round(p)
    _output(p)
    p.set_defaults(handler=cmd_brief)

    p = sub.add_parser("annual-report", help="已认定集群的年度发展情况报告（由同一份填报表生成）")
    p.add_argument("dir", metavar="客户文件夹", help="客户文件夹")
    p.add_argument("--year", type=int, required=True, help="报告的年度：填报表的最新年度")
    p.add_argument("--output", default=None,
                   help="保存的文件夹（默认：output/年度报告/<年度>/<推荐单位>/<客户>）")
    p.set_defaults(handler=cmd_annual_report)

    p = sub.add_parser("batch", help="逐个客户运行笔记本并生成材料包（同时运行 N 个），最后生成省级汇总表")
    p.add_argument("clients", nargs="+", metavar="客户文件夹", help="客户文件夹（可以写多个，或用 clients/*/）")
    _add_rulebook_round(p, round_default=False)
    p.add_argument("--jobs", "-j", type=int, default=_settings().jobs, help="同时运行的客户数（默认：%(default)s）")
    _output(p)
    p.add_argument("--timeout", type=float, default=600, help="每个客户允许的秒数（默认：%(default)s）")
    p.add_argument("--force", action="store_true", help="材料包已是最新的客户也重新运行")
    p.add_argument("--wait", type=float, default=0, metavar="秒",
                   help="输出文件夹正被另一批运行使用时，最多等待的秒数（默认：不等待，立即退出）")
    p.add_argument("-p", "--param", nargs=2, action="append", metavar=("名称", "值"),
                   help="笔记本参数，按笔记本声明的类型理解（开关写 true/false 或 是/否）；"
                        "-p round/rulebook/western_relaxation 即同名选项")
    p.add_argument("--kernel", default="auto",
                   help="auto（每个客户一个新内核，由预载的服务进程派生），或内核名称，如 python3")
    p.add_argument("--scheduler", default=None, metavar="地址",
                   help="把每个客户作为任务交给 dask.distributed 集群运行：tcp://主机:8786（已启动的 dask scheduler），"
                        "或 local:N（在本机启动 N 个工作进程试用）；默认：本机进程池")
    p.set_defaults(handler=cmd_batch)

    p = sub.add_parser("status", help="不运行任何内容，列出每个客户的材料包是否最新，以及哪项输入有改动")
    p.add_argument("clients", nargs="+", metavar="客户文件夹", help="客户文件夹")
    _output(p)
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("report", help="把客户执行后的笔记本转成隐藏代码的网页报告，可在县里当面展示")
    p.add_argument("package", metavar="材料包文件夹", help="客户的材料包文件夹（clusterkit batch 写出的），或执行后的笔记本")
    p.add_argument("--out", default=None, help="网页报告的保存位置（默认：笔记本旁的 客户报告.html）")
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("rulebook", help="审核规则库：出处和日期；改动一条规则会改变哪些结论")
    rsub = p.add_subparsers(dest="rulebook_command", metavar="操作", title="操作", required=True)
    r = rsub.add_parser("check", help="每条规则都有出处；核对超过一年或年度不在规则有效期内时提示（有错误时退出码为1）")
    r.add_argument("rulebooks", nargs="*", help="规则库编号或 YAML 文件（默认：data/criteria 中的全部规则库）")
    r.add_argument("--round", default=None, help="只对照这一年度核对有效期（默认：全部年度）")
    r.add_argument("--today", default=None, help="计算核对时间所用的日期（YYYY-MM-DD；默认：今天）")
    r.set_defaults(handler=cmd_rulebook_check)
    r = rsub.add_parser("diff", help="逐个客户列出换用另一规则库后结论改变的标准")
    r.add_argument("old", help="现用的规则库（编号或 YAML 文件）")
    r.add_argument("new", help="改动后的规则库（编号或 YAML 文件）")
    r.add_argument("clients", nargs="+", help="客户文件夹")
    r.add_argument("--round", default=None, help="申报年度（默认：每个客户填报表本身对应的年度）")
    r.set_defaults(handler=cmd_rulebook_diff)

    p = sub.add_parser("templates", help="Word 与文字模板")
    tsub = p.add_subparsers(dest="templates_command", metavar="操作", title="操作", required=True)
    t = tsub.add_parser("check", help="检查 Word 模板：被拆开的标签、中文引号、表格行循环、未知变量")
    t.add_argument("paths", nargs="*", help="要检查的模板（默认：templates/ 中的全部模板）")
    t.set_defaults(handler=cmd_templates_check)

    p = sub.add_parser("reference", help="用于比对的已认定集群名单（data/reference）")
    rsub = p.add_subparsers(dest="reference_command", metavar="操作", title="操作", required=True)
    r = rsub.add_parser("import", help="导入完整的官方认定名单（.xlsx 或 .csv，导入一次即可，比对时优先使用）")
    r.add_argument("file", help="官方名单，至少有“集群名称”一列")
    r.add_argument("dest", nargs="?", default=None,
                   help="保存位置（默认：data/reference/recognised_clusters_official.csv）")
    r.set_defaults(handler=cmd_reference_import)
    r = rsub.add_parser("list", help="列出已知的全部已认定集群：年度、省份、县、名称、细分领域")
    r.set_defaults(handler=cmd_reference_list)

    return parser


def main(argv: list[str] | None = None) -> int:
    _safe_streams()
    _chinese_argparse()
    try:
        parser = build_parser()
    except ToolkitError as exc:  # e.g. a clusterkit.toml with a mistake: its defaults feed the parser
        _err(f"错误：{exc}")
        return 2
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
