"""`warden check`, `warden eval` and `warden train`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def _screener(detectors: str, policy: bool) -> Any:
    """The screening service over the named detectors, deciding under today's policy unless `policy` is off.
    Fails closed: a detector or policy that cannot load is an error (exit 2), never a quieter check."""
    from warden.runtime import StartupError, load_detectors, load_policies
    from warden.screening import Screener
    from warden.settings import Settings

    settings = Settings.from_env()
    names = tuple(n.strip() for n in detectors.split(",") if n.strip())
    try:
        policies = load_policies(settings) if policy else None
        found = load_detectors(settings, policies, names=names, warm=True)
    except StartupError as exc:
        raise _fail(str(exc).removeprefix("cannot start: ")) from exc
    return Screener(found, policies.effective() if policies is not None else None)


def _text_of_line(line: str, number: int) -> str:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _fail(f"line {number}: not JSON ({exc.msg})") from exc
    if isinstance(obj, str):
        return obj
    if isinstance(obj, dict):
        for key in ("text", "prompt", "input"):
            if isinstance(obj.get(key), str):
                return str(obj[key])
    raise _fail(f"line {number}: expected a JSON string or an object with `text`, `prompt` or `input`")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    )  # fmt: skip


DetectorsOpt = Annotated[
    str, typer.Option("--detectors", "-d", help="Comma-separated detector names (see `warden detectors`).")
]


def check(
    text: Annotated[str | None, typer.Argument(help="Text to check.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="JSONL input: strings or {text|prompt}.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write JSONL here instead of stdout.")] = None,
    detectors: DetectorsOpt = "embedded,recognisers",
    surface: Annotated[str, typer.Option(help="Surface the policy is applied for.")] = "api",
    policy: Annotated[bool, typer.Option(help="Decide under the bundled policy.")] = True,
    batch_size: Annotated[int, typer.Option(min=1, max=4096)] = 256,
) -> None:
    """Score text with the detectors and decide under the policy: one OpenAI-style result per input.

    Exit status: 0 when a single TEXT is not flagged, 1 when it is, 2 on an error."""
    from warden.api.wire import moderation_result
    from warden.policy.model import Surface

    if (text is None) == (file is None):
        raise _fail("give either TEXT or --file")
    if surface not in {s.value for s in Surface}:
        raise _fail(f"unknown surface {surface!r}; one of {', '.join(s.value for s in Surface)}")
    if file is not None and not file.is_file():
        raise _fail(f"no such file: {file}")
    screener = _screener(detectors, policy)
    if text is not None:
        [outcome] = screener.screen([text], surface=surface)
        typer.echo(json.dumps(moderation_result(outcome), indent=2))
        raise typer.Exit(1 if outcome.flagged else 0)
    assert file is not None
    total = 0
    try:
        with file.open(encoding="utf-8") as fh:  # validate every line first: nothing half-written
            for number, line in enumerate(fh, start=1):
                if line.strip():
                    _text_of_line(line, number)
                    total += 1
    except UnicodeDecodeError as exc:
        raise _fail(f"{file}: not UTF-8 text ({exc.reason})") from exc
    partial = out.with_name(out.name + ".partial") if out else None
    sink = partial.open("w", encoding="utf-8") if partial else sys.stdout
    flagged = checked = 0

    def flush(batch: list[tuple[int, str]]) -> None:
        nonlocal flagged, checked
        for (number, _), outcome in zip(batch, screener.screen([t for _, t in batch], surface=surface), strict=True):
            flagged += outcome.flagged
            sink.write(json.dumps({"line": number, **moderation_result(outcome)}) + "\n")
        checked += len(batch)
        bar.advance(task, len(batch))
        batch.clear()

    try:
        with _progress() as bar, file.open(encoding="utf-8") as fh:
            task = bar.add_task("checking", total=total)
            batch: list[tuple[int, str]] = []
            for number, line in enumerate(fh, start=1):
                if line.strip():
                    batch.append((number, _text_of_line(line, number)))
                if len(batch) >= batch_size:
                    flush(batch)
            if batch:
                flush(batch)
    finally:
        if partial:
            sink.close()
    if partial and out:
        partial.replace(out)
    err.print(f"{checked} checked, {flagged} flagged")


def _table(report: Any) -> Table:
    table = Table(title=f"{report.path}: {report.rows} rows, {report.texts_per_second:.0f} texts/s")
    for col in ("category", "precision", "recall", "F1", "FPR", "support"):
        table.add_column(col, justify="left" if col == "category" else "right")
    o = report.overall
    table.add_row("[b]flagged (overall)[/b]", f"{o['precision']:.3f}", f"{o['recall']:.3f}", f"[b]{o['f1']:.3f}[/b]",
                  f"{o['fpr']:.3f}", str(o["support"]), end_section=True)  # fmt: skip
    for name, m in report.categories.items():
        table.add_row(name, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", f"{m['fpr']:.3f}",
                      str(m["support"]))  # fmt: skip
    return table


def eval_cmd(
    data: Annotated[Path, typer.Argument(help="JSONL: text|prompt, flagged, optional categories.")],
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write the figures as JSON here.")] = None,
    detectors: DetectorsOpt = "embedded",
    policy: Annotated[bool, typer.Option(help="Count policy decisions towards `flagged` too.")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=4096)] = 256,
    text_field: Annotated[
        list[str] | None, typer.Option(help="Field(s) holding the text (default: text, prompt).")
    ] = None,
    flag_field: Annotated[str, typer.Option(help="Field holding the 0/1 label.")] = "flagged",
    positive: Annotated[
        list[str] | None, typer.Option(help="String label(s) meaning flagged, e.g. --positive harmful.")
    ] = None,
) -> None:
    """Per-category precision, recall, F1 and support, overall flagged F1, FPR and texts/s."""
    from warden.detect.evaluate import EvalDataError, Fields, evaluate

    fields = Fields(
        text=tuple(text_field) if text_field else ("text", "prompt"),
        flagged=flag_field,
        positives=frozenset(p.lower() for p in positive or ()),
    )
    if not data.is_file():
        raise _fail(f"no such file: {data}")
    screener = _screener(detectors, policy)
    with _progress() as bar:
        task = bar.add_task("evaluating", total=None)
        try:
            report = evaluate(data, screener, batch_size, on_batch=lambda n: bar.advance(task, n), fields=fields)
        except EvalDataError as exc:
            raise _fail(str(exc)) from exc
        except UnicodeDecodeError as exc:
            raise _fail(f"{data}: not UTF-8 text ({exc.reason})") from exc
    Console().print(_table(report))
    if report.skipped:
        err.print(f"[yellow]{report.skipped} lines skipped (no text/prompt or no flagged label)[/yellow]")
    if report.unknown_categories:
        err.print(f"[yellow]categories not in the taxonomy, ignored: {', '.join(sorted(report.unknown_categories))}")
    if json_path:
        json_path.write_text(json.dumps(report.as_dict(), indent=2) + "\n")
        err.print(f"wrote {json_path}")


def train_cmd(
    data: Annotated[
        Path | None, typer.Option("--data", help="Data folder (default: ../shared/data or $WARDEN_DATA_DIR).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Where the model files and metrics.json go.")] = None,
    work: Annotated[
        Path | None, typer.Option("--work", help="Checkpoints and the fine-tuned model (default: var/finetune).")
    ] = None,
    cache: Annotated[Path | None, typer.Option("--cache", help="Cache embeddings here between runs.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 13,
    max_escalation: Annotated[float, typer.Option(min=0.0, max=1.0, help="Benign share to stage 2.")] = 0.25,
    recalibrate: Annotated[
        bool,
        typer.Option("--recalibrate", help="Only recompute thresholds, gate, band and metrics of the model in --out."),
    ] = False,
) -> None:
    """Fine-tune, export and calibrate the embedded detector from the shared data (fixed seed; an
    interrupted run resumes from its last checkpoint when run again). Needs the build extra, except
    with --recalibrate, which keeps the model's weights and needs no torch."""
    from warden.detect.embedded.encoders import MODEL_DIR
    from warden.detect.training.data import default_data_dir

    try:
        from warden.detect.training.pipeline import TrainOptions, train
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise _fail(f"training needs the build extra (pip install -e '.[build]'): {exc}") from exc

    folder = data or default_data_dir()
    if not folder.is_dir():
        raise _fail(f"data folder not found: {folder} (use --data or WARDEN_DATA_DIR)")
    options = TrainOptions(data_dir=folder, out_dir=out or MODEL_DIR, cache_dir=cache, seed=seed,
                           max_escalation=max_escalation, recalibrate=recalibrate)  # fmt: skip
    if work is not None:
        options.work_dir = work
    try:
        train(options, log=lambda line: err.print(line, highlight=False, markup=False))
    except KeyboardInterrupt as exc:
        raise _fail(str(exc) or "interrupted; run the same command again to resume") from exc


def detectors_cmd() -> None:
    """List the registered detectors (core and plugins)."""
    from warden.detect import registry

    for name, path in sorted(registry.available().items()):
        typer.echo(f"{name}\t{path}")


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("eval")(eval_cmd)
    app.command("train")(train_cmd)
    app.command("detectors")(detectors_cmd)
