"""The ``qnn-lab`` command: open the lab, train, export and run a network, run the scaling study, list samplers."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["main"]

TRAINERS = ("contrastive", "qubo", "backprop")
#: Per-dataset defaults of ``qnn-lab train`` (hidden width; contrastive trainer settings).
PRESETS = {
    "digits": {"hidden": 120},
    "teacher": {"hidden": 64},
    "toy": {"hidden": 64, "contrastive": {"batch_size": 4, "epochs": 60, "learning_rate": 0.03}},
}
#: ``qnn-lab scaling`` sizes: ``--quick`` (seconds) and the full study (about 5 minutes on 2 cores).
SCALING_SIZES = {
    "full": {"seeds": 8, "epochs": 4, "budgets": 20, "bootstrap": 2000, "alpha": 80.0},
    "quick": {"seeds": 3, "epochs": 1, "budgets": 12, "bootstrap": 500, "alpha": 40.0},
}
LAB_NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks"


class CliError(ValueError):
    """A bad command-line value (printed without a traceback, exit status 2)."""


def _layers(text):
    try:
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise CliError(f"'--layers' should be comma-separated integers like 64,120,10: value = {text!r}") from None


def _param(text):
    """k=v with v parsed as JSON when it can be (numbers, lists, null), else a string."""
    if "=" not in text:
        raise CliError(f"'--sampler-param' should look like name=value: value = {text!r}")
    key, value = text.split("=", 1)
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def build_parser():
    parser = argparse.ArgumentParser(prog="qnn-lab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    lab = sub.add_parser("lab", help="open the lab in JupyterLab")
    lab.add_argument("--port", type=int, default=8888)
    lab.add_argument("--no-browser", action="store_true")

    train = sub.add_parser("train", help="train a network and report its accuracy")
    train.add_argument("--dataset", default="digits",
                       help="xor, circles, gauss, spiral, moons, digits, teacher, or csv (with --data)")
    train.add_argument("--data", metavar="PATH", help="the CSV file of --dataset csv: feature columns, label last")
    train.add_argument("--layers", help="sizes n_inputs,hidden,...,n_classes (default: per dataset)")
    train.add_argument("--replicas", type=int, default=4, help="output spins per class")
    train.add_argument("--trainer", default="contrastive", help="contrastive, qubo or backprop")
    train.add_argument("--sampler", default=None, help="sampler name (default: layered; sa for qubo)")
    train.add_argument("--sampler-param", type=_param, action="append", default=[], metavar="NAME=VALUE",
                       help="a sampler parameter, e.g. num_sweeps=50 (repeatable)")
    train.add_argument("--epochs", type=int, default=None, help="epochs (default: the trainer's)")
    train.add_argument("--batch-size", type=int, default=None)
    train.add_argument("--num-reads", type=int, default=None)
    train.add_argument("--learning-rate", type=float, default=None)
    train.add_argument("--n-samples", type=int, default=None, help="points of a 2-D dataset")
    train.add_argument("--noise", type=float, default=0.05, help="noise of a 2-D dataset")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--json", metavar="PATH", help="write the result as JSON to PATH ('-' for stdout)")
    train.add_argument("--save", metavar="PATH", help="write the trained network as JSON (Network.to_dict)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    export = sub.add_parser("export", help="turn a saved network (JSON) into a torch state file or ONNX")
    export.add_argument("network", help="a network JSON file written by 'qnn-lab train --save'")
    export.add_argument("--format", required=True, help="torch or onnx")
    export.add_argument("-o", "--output", required=True, metavar="PATH", help="the file to write")

    predict = sub.add_parser("predict", help="print the class of each row of a CSV file")
    predict.add_argument("network", help="a network JSON file written by 'qnn-lab train --save'")
    predict.add_argument("--data", required=True, metavar="PATH",
                         help="CSV: the network's feature columns (a label column last is ignored)")
    predict.add_argument("--json", action="store_true", help="print a JSON list instead of one class per line")

    bench = sub.add_parser("bench", help="run the benchmarks B1-B6 and report JSON")
    bench.add_argument("--quick", action="store_true", help="small sizes (CI keeps it working, no timing gate)")
    bench.add_argument("--only", default=None, help="comma-separated subset, e.g. B1,B4")
    bench.add_argument("--json", metavar="PATH", default="-", help="write the result to PATH ('-' for stdout)")

    scaling = sub.add_parser("scaling", help="fit test error ~ cost**-alpha per trainer, with bootstrap CIs")
    scaling.add_argument("--quick", action="store_true", help="a small study (3 seeds, 1 epoch, alpha 40)")
    scaling.add_argument("--dataset", default="teacher", help="teacher (default), digits or a 2-D set")
    scaling.add_argument("--dataset-param", type=_param, action="append", default=[], metavar="NAME=VALUE",
                         help="a load_dataset option, e.g. alpha=80 or n_inputs=64 (repeatable)")
    scaling.add_argument("--trainers", default="contrastive,backprop",
                         help="comma-separated: contrastive, qubo, backprop")
    scaling.add_argument("--cost", default="samples_seen",
                         help="epochs, samples_seen, train_seconds (all trainers); sampler_calls, reads, anneals, "
                              "qpu_seconds (annealing trainers)")
    scaling.add_argument("--window", default=None, metavar="LOW,HIGH", help="fit window in cost units")
    scaling.add_argument("--seeds", type=int, default=None, help="seeds (default 8; 3 with --quick)")
    scaling.add_argument("--epochs", type=int, default=None, help="epochs per run (default 4; 1 with --quick)")
    scaling.add_argument("--budgets", type=int, default=None, help="checkpoints per run, geometric in steps")
    scaling.add_argument("--batch-size", type=int, default=16)
    scaling.add_argument("--hidden", type=int, default=32, help="hidden layer width")
    scaling.add_argument("--replicas", type=int, default=4, help="output spins per class")
    scaling.add_argument("--sampler", default=None, help="sampler of the annealing trainers")
    scaling.add_argument("--sampler-param", type=_param, action="append", default=[], metavar="NAME=VALUE",
                         help="a sampler parameter of the annealing trainers (repeatable)")
    scaling.add_argument("--bootstrap", type=int, default=None, help="bootstrap resamplings of the seeds")
    scaling.add_argument("--confidence", type=float, default=0.95)
    for name, default in (("programming", 15000.0), ("anneal", 20.0), ("readout", 150.0), ("delay", 20.0)):
        scaling.add_argument(f"--qpu-{name}-us", type=float, default=default,
                             help=f"QPU time model: {name} time in microseconds (default {default:g})")
    scaling.add_argument("--workers", type=int, default=None, metavar="N",
                         help="run the cells on a Dask cluster of N local processes (default: one after another "
                              "in this process); needs qnn_lab[distributed]")
    scaling.add_argument("--scheduler", default=None, metavar="ADDRESS",
                         help="run the cells on an existing Dask cluster, e.g. tcp://host:8786")
    scaling.add_argument("--results", metavar="PATH", default=None,
                         help="JSON-lines file every finished cell is appended to (default: next to --json, "
                              "e.g. study.json -> study.cells.jsonl)")
    scaling.add_argument("--resume", action="store_true",
                         help="skip the cells already in the results file (after an interruption)")
    scaling.add_argument("--seed", type=int, default=0, help="first seed (and bootstrap seed)")
    scaling.add_argument("--json", metavar="PATH", help="write the result as JSON to PATH ('-' for stdout)")
    scaling.add_argument("--html", metavar="PATH", help="write the interactive figure (plotly) to PATH")
    scaling.add_argument("--quiet", action="store_true", help="no progress bar")

    sub.add_parser("samplers", help="list the samplers and their parameters (JSON)")
    return parser


def make_trainer(args, net, callback, preset=None):
    """The trainer that ``qnn-lab train`` describes."""
    import qnn_lab as ql

    from .exceptions import check_choice
    check_choice("--trainer", args.trainer, TRAINERS, error=CliError)
    common = {"random_state": args.seed, "callback": callback, **(preset or {})}
    for key in ("epochs", "batch_size", "learning_rate", "num_reads"):
        if getattr(args, key) is not None:
            common[key] = getattr(args, key)
    params = dict(args.sampler_param) or None
    if args.trainer == "backprop":
        common.pop("num_reads", None)
        return ql.BackpropTrainer(net, **common)
    if args.trainer == "qubo":
        common.pop("learning_rate", None)
        return ql.QuboTrainer(net, sampler=args.sampler or "sa", sampler_params=params, **common)
    return ql.ContrastiveTrainer(net, sampler=args.sampler or "layered", sampler_params=params, **common)


def run_train(args):
    import qnn_lab as ql

    opts = {"random_state": args.seed}
    if (args.dataset == "csv") != (args.data is not None):
        raise CliError(f"'--data' should be given with --dataset csv, and only then: --dataset {args.dataset}, "
                       f"--data {args.data}")
    if args.dataset == "csv":
        opts["path"] = args.data
    elif args.dataset not in ("digits", "teacher"):
        opts.update(noise=args.noise, n_samples=args.n_samples)
    ds = ql.load_dataset(args.dataset, **opts)
    preset = PRESETS.get(args.dataset, PRESETS["toy"])
    layers = _layers(args.layers) if args.layers else [ds.n_features, preset["hidden"], ds.n_classes]
    if layers[0] != ds.n_features or layers[-1] != ds.n_classes:
        raise CliError(f"'--layers' should start with the dataset's {ds.n_features} features and end with its "
                       f"{ds.n_classes} classes: value = {','.join(map(str, layers))}")
    net = ql.Network(layers, output_replicas=args.replicas, random_state=args.seed)
    bar = None
    if not args.quiet:
        from tqdm.auto import tqdm
        bar = tqdm(desc=f"{args.trainer} on {args.dataset}", unit="epoch", file=sys.stderr, leave=False)

    def follow(trainer, record):
        if bar is not None and record["event"] == "epoch":
            bar.total = trainer.epochs
            bar.set_postfix(test=f"{record.get('test_accuracy', float('nan')):.3f}")
            bar.update(1)

    trainer = make_trainer(args, net, follow, preset.get(args.trainer, {}))
    t0 = time.perf_counter()
    trainer.fit(ds.X_train, ds.y_train, ds.X_test, ds.y_test)
    wall = time.perf_counter() - t0
    if bar is not None:
        bar.close()
    result = {
        "config": {"dataset": ds.spec, "layers": layers, "replicas": args.replicas, "trainer": args.trainer,
                   "sampler": None if args.trainer == "backprop" else (args.sampler or trainer.sampler),
                   "sampler_params": dict(args.sampler_param), "epochs": trainer.epochs, "seed": args.seed,
                   **{k: getattr(trainer, k, None) for k in ("batch_size", "num_reads", "learning_rate")}},
        "train_accuracy": trainer.score(ds.X_train, ds.y_train),
        "test_accuracy": trainer.score(ds.X_test, ds.y_test),
        "history": trainer.history_,
        "wall_time_s": wall,
        "best_epoch": getattr(trainer, "best_epoch_", None),
    }
    print(f"{args.trainer} on {args.dataset}: train {result['train_accuracy']:.3f}, "
          f"test {result['test_accuracy']:.3f}, {wall:.1f} s", file=sys.stderr)
    if args.save:
        saved = trainer.network_.to_dict()
        if ds.classes:
            saved["classes"] = list(ds.classes)       # the CSV's label names, for 'qnn-lab predict'
        _write_json(saved, args.save)
    return result


def _read_network(path):
    """A network JSON file (``qnn-lab train --save``): the Network and its class names (or None)."""
    from .network import Network

    try:
        data = json.loads(Path(path).read_text())
        return Network.from_dict(data), data.get("classes")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CliError(f"'network' should be a network JSON file written by 'qnn-lab train --save': "
                       f"value = {str(path)!r} ({type(exc).__name__}: {exc})") from None


def run_export(args):
    """``qnn-lab export``: the network as a torch state file or an ONNX model."""
    from .exceptions import check_choice

    fmt = check_choice("--format", args.format, ("torch", "onnx"), error=CliError)
    net, _ = _read_network(args.network)
    if fmt == "onnx":
        try:
            net.to_onnx(args.output)
        except ImportError as exc:
            raise CliError(f"'--format onnx' needs onnx: {exc}") from None
    else:
        import torch
        torch.save(net.to_torch().state_dict(), args.output)
    print(f"qnn-lab: wrote {fmt} model of {net!r} to {args.output}", file=sys.stderr)


def run_predict(args):
    """``qnn-lab predict``: one class per CSV row (the label names the network was trained with)."""
    from .data.csv import parse_csv

    net, classes = _read_network(args.network)
    try:
        data = Path(args.data).read_bytes()
    except OSError as exc:
        raise CliError(f"'--data' should be a readable CSV file: value = {args.data!r} ({exc.strerror})") from None
    X, _, _ = parse_csv(data, n_features=net.n_inputs)
    predicted = net.predict(X).tolist()
    if classes:
        predicted = [classes[c] for c in predicted]
    if args.json:
        _write_json(predicted, "-")
    else:
        sys.stdout.write("".join(f"{c}\n" for c in predicted))


def _window(text):
    try:
        low, high = (float(v) for v in text.split(","))
    except ValueError:
        raise CliError(f"'--window' should be two costs LOW,HIGH like 100,10000: value = {text!r}") from None
    return low, high


def run_scaling(args):
    """``qnn-lab scaling``: the study, its summary on stderr, JSON and figure on request."""
    from .studies import QpuTimeModel, scaling_study
    from .studies.grid import connect

    sizes = SCALING_SIZES["quick" if args.quick else "full"]
    dataset_params = dict(args.dataset_param)
    if args.dataset == "teacher":
        dataset_params = {"n_inputs": 64, "alpha": sizes["alpha"], **dataset_params}
    trainers = [t for t in args.trainers.split(",") if t]
    annealing = {}
    if args.sampler is not None:
        annealing["sampler"] = args.sampler
    if args.sampler_param:
        annealing["sampler_params"] = dict(args.sampler_param)
    qpu = QpuTimeModel(programming_us=args.qpu_programming_us, anneal_us=args.qpu_anneal_us,
                       readout_us=args.qpu_readout_us, delay_us=args.qpu_delay_us)
    figure = None
    if args.html:
        try:
            from .widgets.scaling_view import scaling_figure as figure
        except ImportError as exc:
            raise CliError(f"'--html' needs plotly: install qnn_lab[lab] ({exc})") from None
    bar = None
    if not args.quiet:
        from tqdm.auto import tqdm
        bar = tqdm(desc="scaling study", unit="cell", file=sys.stderr, leave=False)

    def follow(done, total, label):
        if bar is not None:
            bar.total = total
            bar.set_postfix_str(label)
            bar.update(done - bar.n)

    results = _results_path(args)
    try:
        with connect(args.workers, args.scheduler) as client:
            study = scaling_study(
                args.dataset, trainers=trainers, cost=args.cost,
                seeds=sizes["seeds"] if args.seeds is None else args.seeds,
                epochs=sizes["epochs"] if args.epochs is None else args.epochs,
                budgets=sizes["budgets"] if args.budgets is None else args.budgets,
                batch_size=args.batch_size, hidden=args.hidden, replicas=args.replicas, dataset_params=dataset_params,
                trainer_params={t: annealing for t in trainers if t != "backprop" and annealing},
                window=_window(args.window) if args.window else None,
                n_bootstrap=sizes["bootstrap"] if args.bootstrap is None else args.bootstrap,
                confidence=args.confidence, qpu_model=qpu, random_state=args.seed, client=client,
                results=results, resume=args.resume, progress=follow)
    finally:
        if bar is not None:
            bar.close()
    print(study.summary(), file=sys.stderr)
    if figure is not None:
        figure(study).write_html(args.html, include_plotlyjs=True)
    return study.to_dict()


def _results_path(args):
    """--results, or the file next to --json (study.json -> study.cells.jsonl); None without either."""
    if args.results is not None:
        return args.results
    if args.json is None or args.json == "-":
        if args.resume:
            raise CliError("'--resume' needs the results file of the interrupted study: give its --json PATH "
                           "(or --results PATH)")
        return None
    return str(Path(args.json).with_suffix(".cells.jsonl"))


def run_lab(args):
    if shutil.which("jupyter") is None and not (Path(sys.executable).parent / "jupyter").exists():
        raise CliError("the lab needs JupyterLab: install qnn_lab[lab] (pip install -e '.[lab]')")
    target = LAB_NOTEBOOK / "lab.ipynb"
    cmd = [sys.executable, "-m", "jupyterlab", f"--port={args.port}", f"--notebook-dir={LAB_NOTEBOOK}"]
    if target.exists():
        cmd.append(str(target))
    if args.no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")          # containers and Binder-like machines run as root
    print(f"qnn-lab: opening JupyterLab on {LAB_NOTEBOOK} at http://localhost:{args.port}/lab", file=sys.stderr,
          flush=True)
    os.execv(sys.executable, cmd)       # JupyterLab takes over this process (Ctrl-C and signals go to it)


def _check_outputs(args):
    """Refuse an unwritable --json / --html path before a long run, so no result is lost."""
    for option in ("json", "html", "results", "save", "output"):
        path = getattr(args, option, None)
        if not isinstance(path, str) or path == "-":
            continue
        folder = Path(path).resolve().parent
        if not folder.is_dir() or not os.access(folder, os.W_OK) or Path(path).is_dir():
            raise CliError(f"'--{option}' should be a file in an existing, writable folder: value = {path!r}")


def _write_json(result, path):
    text = json.dumps(result, indent=2, default=_json_default)
    if path == "-":
        sys.stdout.write(text + "\n")
    else:
        Path(path).write_text(text + "\n")


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, tuple):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def main(argv=None):
    """Entry point of ``qnn-lab``; returns the exit status (2 for a bad value)."""
    args = build_parser().parse_args(argv)
    try:
        _check_outputs(args)
        if args.command == "lab":
            return run_lab(args)
        if args.command == "samplers":
            from .samplers import list_samplers, sampler_spec
            result = {n: {"doc": sampler_spec(n).doc, "parameters": [p.to_dict() for p in sampler_spec(n).parameters]}
                      for n in list_samplers()}
            _write_json(result, "-")
            return 0
        if args.command == "bench":
            from .studies.bench import run_benchmarks
            only = args.only.split(",") if args.only else None
            bad = sorted(set(only or ()) - {"B1", "B2", "B3", "B4", "B5", "B6"})
            if bad:
                raise CliError(f"'--only' should list names from B1..B6: value = {args.only!r}")
            _write_json(run_benchmarks(quick=args.quick, only=only), args.json)
            return 0
        if args.command == "export":
            run_export(args)
            return 0
        if args.command == "predict":
            run_predict(args)
            return 0
        result = run_scaling(args) if args.command == "scaling" else run_train(args)
        if args.json:
            _write_json(result, args.json)
        return 0
    except (TypeError, ValueError, ConnectionError, ImportError) as exc:
        print(f"qnn-lab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qnn-lab: interrupted" + (" (finished cells are in the results file: rerun with --resume)"
                                        if getattr(args, "command", None) == "scaling" else ""), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
