"""The ``crossval`` command line: parses arguments, calls the library, prints.

This module and ``crossval.report`` are the only places that format or print.
Exit codes: 0 nothing failed, 1 something failed, 2 invalid input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crossval",
        description=(
            "Cross-check clinical-trial statistics against R and against published figures."
        ),
    )
    parser.add_argument("--version", action="store_true", help="print versions and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_validate(sub)
    _add_audit(sub)
    _add_extract(sub)
    _add_crosscheck(sub)
    return parser


def _write_report(command: str, path: str, text: str) -> bool:
    """Write a report file; on failure say why on stderr (one line) and return False."""
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        print(f"crossval {command}: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return False
    return True


# --- validate ---------------------------------------------------------------


def _add_validate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "validate",
        help="run every reference case through crossval (and live R when present)",
    )
    p.add_argument("--reference", help="reference file (default: reference/r-reference.json)")
    r = p.add_mutually_exclusive_group()
    r.add_argument("--no-r", action="store_true", help="compare with stored R output only")
    r.add_argument("--require-r", action="store_true", help="fail when live R cannot be loaded")
    p.add_argument("--json", metavar="FILE", default="validation-report.json",
                   help="where to write the JSON report (default: %(default)s)")
    p.add_argument("--failures-only", action="store_true", help="show only failing rows")
    p.set_defaults(func=_cmd_validate)


def _cmd_validate(args: argparse.Namespace) -> int:
    from crossval.compare.validate import validate
    from crossval.errors import CrossvalError
    from crossval.report.validation_report import render_json, render_text

    mode = "off" if args.no_r else "require" if args.require_r else "auto"
    try:
        run = validate(args.reference, live_r=mode)
    except (CrossvalError, OSError) as exc:
        print(f"crossval validate: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(render_text(run, only_failures=args.failures_only))
    if not _write_report("validate", args.json, render_json(run)):
        return EXIT_INVALID
    print(f"JSON report written to {args.json}")
    return EXIT_OK if run.passed else EXIT_FAILED


# --- audit ------------------------------------------------------------------


def _add_audit(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # Spelled out rather than imported from crossval.report so that building the
    # parser (for any subcommand) does not load the audit package; a test keeps
    # this list equal to crossval.report.FORMATS.
    formats = ("text", "json", "markdown", "html")
    p = sub.add_parser(
        "audit",
        help="audit a paper's reported figures (default: ALTER-L058)",
        description="Check every claim in a claims file against what crossval computes. "
        "Exit status: 0 nothing failed, 1 a claim failed, 2 invalid input.",
    )
    p.add_argument(
        "claims", nargs="?", metavar="CLAIMS",
        help="claims file (YAML); default: the bundled ALTER-L058 claims",
    )
    p.add_argument("--format", choices=formats, default="text",
                   help="report format (default: %(default)s)")
    p.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto",
        help="colour the text report; auto: only on a terminal, and only when NO_COLOR is unset",
    )
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the report to FILE instead of standard output")
    p.add_argument(
        "--fisher-max-work", type=_work_units, default=None, metavar="UNITS",
        help="work limit of each exact r x c Fisher p-value (fisher_exact's max_work; "
        "default: its FISHER_MAX_WORK, 3-4 s; the time allowed grows in proportion)",
    )
    p.set_defaults(func=_cmd_audit)


def _work_units(text: str) -> int:
    """A positive whole number of work units, written as 1500000000 or 1.5e9."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value >= 1 and value.is_integer() and value < 2**63):
        raise argparse.ArgumentTypeError(
            f"must be a positive whole number of work units, such as 1e10; got {text!r}"
        )
    return int(value)


def _cmd_audit(args: argparse.Namespace) -> int:
    import os

    from crossval.audit import audit_file
    from crossval.errors import InputError
    from crossval.report import render, summary_line

    try:
        if args.claims is not None and str(args.claims).lower().endswith(".txt"):
            # A paper's text: read its claims first (crossval extract), then audit them.
            from crossval.extract import audit_paper

            result = audit_paper(args.claims, fisher_max_work=args.fisher_max_work)
        else:
            result = audit_file(args.claims, fisher_max_work=args.fisher_max_work)
    except (InputError, OSError, UnicodeDecodeError) as exc:
        # The message names claim id, field and line; a traceback would bury it.
        print(f"crossval audit: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_INVALID
    if args.color == "auto":
        # A file is never a terminal, so -o FILE gets no escape codes unless asked.
        color = args.output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    else:
        color = args.color == "always"
    report = render(result, format=args.format, color=color)
    if args.output is None:
        try:
            sys.stdout.write(report)
            sys.stdout.flush()
        except BrokenPipeError:  # e.g. piped into `head`; the reader has what it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    else:
        if not _write_report("audit", args.output, report):
            return EXIT_INVALID
        print(f"{summary_line(result)}; report written to {args.output}")
    return EXIT_FAILED if result.has_failures else EXIT_OK


# --- extract ----------------------------------------------------------------


def _add_extract(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "extract",
        help="read a paper's reported figures from its text into a claims file",
        description="Read the figures a paper reports (counts and percentages, CIs, medians, "
        "hazard ratios, table rows and P values, stated methods, restated and derived figures) "
        "from its plain text and write a claims file for crossval audit. "
        "Exit status: 0 written, 2 invalid input.",
    )
    p.add_argument("paper", metavar="PAPER.txt", help="the paper's plain text (UTF-8)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the claims file to FILE instead of standard output")
    p.add_argument("--min-confidence", choices=("low", "medium", "high"), default="low",
                   help="leave out readings below this confidence (default: %(default)s)")
    p.add_argument("--compare", metavar="CLAIMS",
                   help="report how many claims of a hand-curated claims file have an "
                   "extracted counterpart, by type (instead of printing the claims file, "
                   "unless -o is given)")
    p.set_defaults(func=_cmd_extract)


def _cmd_extract(args: argparse.Namespace) -> int:
    from crossval.audit import load_claims
    from crossval.errors import InputError
    from crossval.extract import claims_file, extract_file, recall, to_yaml

    try:
        extraction = extract_file(args.paper, min_confidence=args.min_confidence)
        text = to_yaml(extraction)
        found = recall(load_claims(args.compare), claims_file(extraction)) \
            if args.compare else None
        if args.output is not None:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
    except (InputError, OSError) as exc:
        print(f"crossval extract: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_INVALID
    for note in extraction.notes:
        print(f"crossval extract: note: {note}", file=sys.stderr)
    levels = {c: sum(1 for d in extraction.drafts if d.confidence == c)
              for c in ("high", "medium", "low")}
    summary = (f"{len(extraction.drafts)} claims extracted from {args.paper} "
               f"({', '.join(f'{n} {c}' for c, n in levels.items())} confidence)")
    if args.output is not None:
        print(f"{summary}; written to {args.output}")
    elif found is None:
        sys.stdout.write(text)
        print(summary, file=sys.stderr)
    if found is not None:
        print(f"Recall against {args.compare}: {found.matched} of {found.curated} curated "
              f"claims have an extracted counterpart")
        width = max(len(t.type) for t in found.by_type)
        for t in found.by_type:
            missing = f"  missing: {', '.join(t.missing)}" if t.missing else ""
            print(f"  {t.type:<{width}}  {t.matched:>3} / {t.curated:<3}{missing}")
        print(f"  extracted claims with no curated counterpart: {len(found.extra)}")
    return EXIT_OK


# --- crosscheck -------------------------------------------------------------


def _add_crosscheck(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # Spelled out so building the parser imports no report module; a test keeps
    # it equal to crossval.report.crosscheck_report.FORMATS.
    formats = ("text", "json", "markdown", "html")
    p = sub.add_parser(
        "crosscheck",
        help="run KM, log-rank and Cox on a CSV file through every available engine",
        description="Run Kaplan-Meier, the log-rank test (with --group) and a Cox model (with "
        "--covariates, or the group as indicator covariates) through crossval, R, lifelines, "
        "statsmodels and scipy, and say for every quantity whether the engines agree, differ "
        "by a named convention, or disagree. Exit status: 0 no disagreement, 1 a "
        "disagreement or an engine error, 2 invalid input.",
    )
    p.add_argument("data", metavar="DATA.csv", help="CSV file with a header row")
    p.add_argument("--time", required=True, metavar="COL", help="follow-up time column")
    p.add_argument("--event", required=True, metavar="COL",
                   help="event column: 1 event, 0 censored")
    p.add_argument("--group", metavar="COL", help="group column for the log-rank test")
    p.add_argument("--covariates", metavar="A,B", help="comma-separated Cox covariate columns")
    p.add_argument("--strata", metavar="COL", help="stratum column (log-rank and Cox)")
    p.add_argument("--engines", metavar="E,F",
                   help="engines to compare with crossval (default: all; those not installed "
                   "are skipped with the reason)")
    p.add_argument("--format", choices=formats, default="text",
                   help="report format (default: %(default)s)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the report to FILE instead of standard output")
    p.set_defaults(func=_cmd_crosscheck)


def _cmd_crosscheck(args: argparse.Namespace) -> int:
    import warnings

    from crossval.compare.crosscheck import crosscheck_data, read_survival_csv
    from crossval.engines.registry import canonical_name
    from crossval.errors import InputError
    from crossval.report.crosscheck_report import render_crosscheck, summary_line

    covariates = [c.strip() for c in (args.covariates or "").split(",") if c.strip()]
    try:
        engines = None
        if args.engines:
            engines = [canonical_name(e.strip()) for e in args.engines.split(",") if e.strip()]
        data = read_survival_csv(args.data, time=args.time, event=args.event,
                                 group=args.group, covariates=covariates, strata=args.strata)
        with warnings.catch_warnings():
            # engines' warnings are collected on their results and reported there
            warnings.simplefilter("ignore")
            run = crosscheck_data(data, engines=engines)
    except InputError as exc:
        print(f"crossval crosscheck: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_INVALID
    report = render_crosscheck(run, format=args.format)
    if args.output is None:
        sys.stdout.write(report)
    else:
        if not _write_report("crosscheck", args.output, report):
            return EXIT_INVALID
        print(f"{summary_line(run)}; report written to {args.output}")
    return EXIT_FAILED if run.failed else EXIT_OK


# --- entry point ------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from crossval import __version__

        print(f"crossval {__version__}")
        return EXIT_OK
    if args.command is None:
        parser.print_help()
        return EXIT_INVALID
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
