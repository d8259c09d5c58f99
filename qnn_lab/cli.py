"""The ``qnn-lab`` command: open the lab, train, export and run a network, run the scaling study, list samplers."""
from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import inspect
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from .data import DATASETS
from .samplers.registry import SAMPLERS
from .studies.scaling import TASKS as SCALING_TASKS
from .training import TRAINERS

__all__ = ["main"]

#: ``qnn-lab train``'s hidden width for a data set without a preset.
DEFAULT_HIDDEN = 64
_SMALL_2D = {"hidden": 64, **{t: {"batch_size": 4, "epochs": 60, "learning_rate": 0.03}
                              for t in ("contrastive", "layerwise")}}
#: The spiral (learnable with the playground features): 256 hidden spins and a slower decay of the
#: learning rate over 100 epochs (benchmarks/spiral.py); backprop 200 epochs.
_SPIRAL = {"hidden": 256, **{t: {"batch_size": 4, "epochs": 100, "learning_rate": 0.03, "lr_decay": 0.1}
                             for t in ("contrastive", "layerwise")}, "backprop": {"epochs": 200}}
#: Per-dataset defaults of ``qnn-lab train``: the hidden width, and parameters per trainer name.
PRESETS = {
    "digits": {"hidden": 120},
    "teacher": {"hidden": 64},
    **{name: _SMALL_2D for name in ("xor", "circles", "gauss", "moons")},
    "spiral": _SPIRAL,
}
#: ``qnn-lab scaling`` sizes: ``--quick`` (seconds) and the full study (about 5 minutes on 2 cores).
SCALING_SIZES = {
    "full": {"seeds": 8, "budgets": 20, "bootstrap": 2000, "dataset_params": {}},
    "quick": {"seeds": 3, "epochs": 1, "budgets": 12, "bootstrap": 500,
              "dataset_params": {"teacher": {"alpha": 40.0}, "digits": {"n_samples": 600}}},
}
#: ``qnn-lab lab``'s working folder (in the current folder) unless ``--dir`` says otherwise.
LAB_FOLDER = "qnn_lab_notebooks"


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
        raise argparse.ArgumentTypeError(f"should look like NAME=VALUE: value = {text!r}")
    key, value = text.split("=", 1)
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def _checked(kind, name, parameters, given):
    """Check CLI values against a registry entry's Parameter specs; errors name the option typed.

    ``given``: {parameter: (option, value)}, e.g. {"epochs": ("--epochs", -1)}.
    """
    by_name = {p.name: p for p in parameters}
    checked = {}
    for key, (option, value) in given.items():
        if key not in by_name:
            takes = ", ".join(by_name) or "no parameters"
            if option.endswith("-param"):
                raise CliError(f"{option!r} should name a parameter of {kind} {name!r} ({takes}): value = {key!r}")
            raise CliError(f"{option!r} does not apply to {kind} {name!r}: it takes {takes}")
        label = f"{option} {key}" if option.endswith("-param") else option
        checked[key] = dataclasses.replace(by_name[key], name=label).validate(value)
    return checked


def _pairs(option, values):
    """[(name, value)] of a repeatable NAME=VALUE option as {name: (option, value)}."""
    return {key: (option, value) for key, value in values}


def _names(registry):
    return ", ".join(registry)


def build_parser():
    """The argument parser; the names offered are the registries' at call time."""
    parser = argparse.ArgumentParser(prog="qnn-lab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    lab = sub.add_parser("lab", help="open the lab in JupyterLab (copies the notebooks into --dir on first run)")
    lab.add_argument("--dir", default=LAB_FOLDER,
                     help=f"working folder of the notebooks (default ./{LAB_FOLDER}); the shipped notebooks it "
                          "lacks are copied into it, none is overwritten")
    lab.add_argument("--port", type=int, default=8888)
    lab.add_argument("--no-browser", action="store_true")

    train = sub.add_parser("train", help="train a network and report its accuracy")
    train.add_argument("--dataset", default="digits", help=f"one of {_names(DATASETS)} (default digits)")
    train.add_argument("--data", metavar="PATH", help="the CSV file of --dataset csv: feature columns, label last")
    train.add_argument("--dataset-param", type=_param, action="append", default=[], metavar="NAME=VALUE",
                       help="a parameter of the dataset, e.g. classes=[3,5] (repeatable; `qnn-lab datasets`)")
    train.add_argument("--n-samples", type=int, default=None, help="the dataset's n_samples (default: its own)")
    train.add_argument("--noise", type=float, default=None, help="the dataset's noise (default: its own)")
    train.add_argument("--layers", help="sizes n_inputs,hidden,...,n_classes (default: per dataset)")
    train.add_argument("--replicas", type=int, default=4, help="output spins per class")
    train.add_argument("--trainer", default="contrastive", help=f"one of {_names(TRAINERS)} (default contrastive)")
    train.add_argument("--trainer-param", type=_param, action="append", default=[], metavar="NAME=VALUE",
                       help="a parameter of the trainer, e.g. window=1 (repeatable; `qnn-lab trainers`)")
    train.add_argument("--epochs", type=int, default=None, help="the trainer's epochs (default: per dataset)")
    train.add_argument("--batch-size", type=int, default=None, help="the trainer's batch_size")
    train.add_argument("--num-reads", type=int, default=None, help="the trainer's num_reads")
    train.add_argument("--learning-rate", type=float, default=None, help="the trainer's learning_rate")
    train.add_argument("--sampler", default=None,
                       help=f"one of {_names(SAMPLERS)} (default: the trainer's, layered; sa for qubo)")
    train.add_argument("--sampler-param", type=_param, action="append", default=[], metavar="NAME=VALUE",
                       help="a sampler parameter, e.g. num_sweeps=50 (repeatable; `qnn-lab samplers`)")
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
    bench.add_argument("--json", metavar="PATH", default="-",
                       help="write the result to PATH ('-' for stdout); with --only, PATH keeps its other sections")

    scaling = sub.add_parser("scaling", help="fit test error ~ cost**-alpha per trainer, with bootstrap CIs")
    scaling.add_argument("--quick", action="store_true", help="a small study (3 seeds, 1 epoch, alpha 40)")
    scaling.add_argument("--task", default="teacher",
                         help=f"{' or '.join(SCALING_TASKS)}: the teacher-student perceptron (default) or "
                              f"scikit-learn's digits; or a data set, one of {_names(DATASETS)}")
    scaling.add_argument("--dataset-param", type=_param, action="append", default=[], metavar="NAME=VALUE",
                         help="a parameter of the task's dataset, e.g. alpha=80 or n_inputs=64 (repeatable)")
    scaling.add_argument("--trainers", default="contrastive,backprop",
                         help=f"comma-separated names from {_names(TRAINERS)}")
    scaling.add_argument("--cost", default="samples_seen",
                         help="epochs, samples_seen, train_seconds (all trainers); sampler_calls, reads, anneals, "
                              "qpu_seconds (annealing trainers)")
    scaling.add_argument("--window", default=None, metavar="LOW,HIGH",
                         help="fit window in cost units (default: the task's rule, stated in the JSON)")
    scaling.add_argument("--seeds", type=int, default=None, help="seeds (default 8; 3 with --quick)")
    scaling.add_argument("--epochs", type=int, default=None,
                         help="epochs per run (default: the task's, teacher 4, digits 10; 1 with --quick)")
    scaling.add_argument("--budgets", type=int, default=None, help="checkpoints per run, geometric in steps")
    scaling.add_argument("--batch-size", type=int, default=None, help="samples per minibatch (default: the task's)")
    scaling.add_argument("--hidden", type=int, default=None, help="hidden layer width (default: the task's)")
    scaling.add_argument("--replicas", type=int, default=None, help="output spins per class (default: the task's)")
    scaling.add_argument("--sampler", default=None, help=f"sampler of the annealing trainers: {_names(SAMPLERS)}")
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

    for kind in ("datasets", "samplers", "trainers"):
        sub.add_parser(kind, help=f"list the {kind} and their parameters (JSON)")
    return parser


def _dataset(args):
    """The dataset ``qnn-lab train`` describes."""
    from .data import load_dataset

    name = DATASETS.lookup(args.dataset, "--dataset").name
    given = _pairs("--dataset-param", args.dataset_param)
    for key, option, value in (("n_samples", "--n-samples", args.n_samples), ("noise", "--noise", args.noise),
                               ("path", "--data", args.data)):
        if value is not None:
            given[key] = (option, value)
    if name == "csv" and not {"path", "data"} & set(given):
        raise CliError("'--data' should be given with --dataset csv: the CSV file to read")
    params = _checked("dataset", name, DATASETS[name].parameters, given)
    return load_dataset(name, random_state=args.seed, **params)


def make_trainer(args, net, callback, preset=None):
    """The trainer that ``qnn-lab train`` describes: the registry's, with the options checked against its specs."""
    from .training import make_trainer

    spec = TRAINERS.lookup(args.trainer, "--trainer")
    given = _pairs("--trainer-param", args.trainer_param)
    for key in ("epochs", "batch_size", "learning_rate", "num_reads"):
        if getattr(args, key) is not None:
            given[key] = ("--" + key.replace("_", "-"), getattr(args, key))
    params = {**(preset or {}), **_checked("trainer", spec.name, spec.parameters, given)}
    if spec.calls_sampler:
        sampler = args.sampler or inspect.signature(spec.cls).parameters["sampler"].default
        sampler = SAMPLERS.lookup(sampler, "--sampler").name
        sampler_params = _checked("sampler", sampler, SAMPLERS[sampler].parameters,
                                  _pairs("--sampler-param", args.sampler_param))
        params.update(sampler=sampler, sampler_params=sampler_params or None)
    elif args.sampler is not None or args.sampler_param:
        raise CliError(f"'--sampler' and '--sampler-param' do not apply to trainer {spec.name!r}: it calls no sampler")
    return make_trainer(spec.name, net, random_state=args.seed, callback=callback, **params)


def run_train(args):
    import qnn_lab as ql

    from .exceptions import check_int

    check_int("--seed", args.seed, low=0)
    check_int("--replicas", args.replicas, low=1)
    ds = _dataset(args)
    preset = PRESETS.get(ds.name, {})
    hidden = preset.get("hidden", DEFAULT_HIDDEN)
    layers = _layers(args.layers) if args.layers else [ds.n_features, hidden, ds.n_classes]
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

    trainer = make_trainer(args, net, follow, preset.get(args.trainer))
    t0 = time.perf_counter()
    trainer.fit(ds.X_train, ds.y_train, ds.X_test, ds.y_test)
    wall = time.perf_counter() - t0
    if bar is not None:
        bar.close()
    result = {
        "config": {"dataset": ds.spec, "layers": layers, "replicas": args.replicas, "trainer": args.trainer,
                   "sampler": getattr(trainer, "sampler", None), "sampler_params": dict(args.sampler_param),
                   "trainer_params": dict(args.trainer_param), "epochs": trainer.epochs, "seed": args.seed,
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
    from .data import load_dataset
    from .studies import QpuTimeModel, scaling_study
    from .studies.grid import connect
    from .studies.scaling import scaling_task

    sizes = SCALING_SIZES["quick" if args.quick else "full"]
    if args.task not in SCALING_TASKS and args.task not in DATASETS.names():
        raise CliError(f"'--task' should be one of {', '.join(map(repr, SCALING_TASKS))} or a data set name "
                       f"({_names(DATASETS)}): value = {args.task!r}")
    dataset = DATASETS[SCALING_TASKS[args.task].dataset["name"] if args.task in SCALING_TASKS else args.task]
    dataset_params = _checked("dataset", dataset.name, dataset.parameters,
                              _pairs("--dataset-param", args.dataset_param))
    dataset_params = {**sizes["dataset_params"].get(args.task, {}), **dataset_params}
    trainers = [TRAINERS.lookup(t, "--trainers").name for t in args.trainers.split(",") if t]
    annealing = {}
    if args.sampler is not None:
        annealing["sampler"] = SAMPLERS.lookup(args.sampler, "--sampler").name
    for name in trainers:
        if TRAINERS[name].calls_sampler and args.sampler_param:
            sampler = annealing.get("sampler") or inspect.signature(TRAINERS[name].cls).parameters["sampler"].default
            annealing["sampler_params"] = _checked("sampler", sampler, SAMPLERS[sampler].parameters,
                                                   _pairs("--sampler-param", args.sampler_param))
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
    if args.workers is not None:        # loaded once here, so the forked workers share it (digits: 1.3 s each)
        load_dataset(**{**scaling_task(args.task).dataset, **dataset_params}, random_state=0)
    try:
        with connect(args.workers, args.scheduler) as client:
            study = scaling_study(
                args.task, trainers=trainers, cost=args.cost,
                seeds=sizes["seeds"] if args.seeds is None else args.seeds,
                epochs=sizes.get("epochs") if args.epochs is None else args.epochs,
                budgets=sizes["budgets"] if args.budgets is None else args.budgets,
                batch_size=args.batch_size, hidden=args.hidden, replicas=args.replicas, dataset_params=dataset_params,
                trainer_params={t: annealing for t in trainers if TRAINERS[t].calls_sampler and annealing},
                window=_window(args.window) if args.window else None,
                n_bootstrap=sizes["bootstrap"] if args.bootstrap is None else args.bootstrap,
                confidence=args.confidence, qpu_model=qpu, random_state=args.seed, client=client,
                results=results, resume=args.resume, progress=follow)
    finally:
        if bar is not None:
            bar.close()
    print(study.summary(), file=sys.stderr)
    result = study.to_dict()
    annealing = [name for name, c in study.curves.items() if "qpu_seconds" in c]
    if annealing and study.cost != "qpu_seconds":             # the annealing trainers on modelled QPU time too
        on_qpu = study.refit("qpu_seconds", trainers=annealing)
        print(on_qpu.summary().split("\n")[0], file=sys.stderr)
        result["qpu_seconds_fits"] = {name: fit.to_dict() for name, fit in on_qpu.fits.items()}
    if figure is not None:
        figure(study).write_html(args.html, include_plotlyjs=True)
    return result


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


def shipped_notebooks():
    """The folder of the notebooks shipped with qnn_lab: inside the package (installed from a wheel),
    else the source tree's notebooks/ (an editable install)."""
    package = Path(__file__).resolve().parent
    for folder in (package / "notebooks", package.parent / "notebooks"):
        if (folder / "lab.ipynb").is_file():
            return folder
    raise CliError(f"the lab notebooks are missing from this installation (looked in {package / 'notebooks'}): "
                   "reinstall qnn_lab")


def copy_notebooks(folder):
    """Copy the shipped notebooks that ``folder`` lacks into it (created if need be); returns their names."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise CliError(f"'--dir' should be a folder: value = {str(folder)!r}")
    source = shipped_notebooks()
    if folder.resolve() == source:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    missing = [nb for nb in sorted(source.glob("*.ipynb")) if not (folder / nb.name).exists()]
    for nb in missing:
        shutil.copyfile(nb, folder / nb.name)
    return [nb.name for nb in missing]


def run_lab(args):
    if importlib.util.find_spec("jupyterlab") is None:
        raise CliError("the lab needs JupyterLab: install qnn_lab[lab] (pip install 'qnn_lab[lab]')")
    folder = Path(args.dir).resolve()
    copied = copy_notebooks(folder)
    if copied:
        print(f"qnn-lab: copied {len(copied)} notebooks into {folder}", file=sys.stderr)
    target = folder / "lab.ipynb"
    cmd = [sys.executable, "-m", "jupyterlab", f"--port={args.port}", f"--notebook-dir={folder}"]
    if target.exists():
        cmd.append(str(target))
    if args.no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")          # containers and Binder-like machines run as root
    print(f"qnn-lab: opening JupyterLab on {folder} at http://localhost:{args.port}/lab", file=sys.stderr, flush=True)
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
        registries = {"datasets": DATASETS, "samplers": SAMPLERS, "trainers": TRAINERS}
        if args.command in registries:
            entries = (registries[args.command][name] for name in registries[args.command])
            _write_json({e.name: {"doc": e.doc, "parameters": [p.to_dict() for p in e.parameters]} for e in entries},
                        "-")
            return 0
        if args.command == "bench":
            from .studies.bench import run_benchmarks
            only = args.only.split(",") if args.only else None
            bad = sorted(set(only or ()) - {"B1", "B2", "B3", "B4", "B5", "B6"})
            if bad:
                raise CliError(f"'--only' should list names from B1..B6: value = {args.only!r}")
            result = run_benchmarks(quick=args.quick, only=only)
            if only and args.json != "-" and Path(args.json).exists():
                result = {**json.loads(Path(args.json).read_text()), **result}
            _write_json(result, args.json)
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
