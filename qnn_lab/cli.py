"""The ``qnn-lab`` command: open the lab, train a network, list samplers."""
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
    train.add_argument("--dataset", default="digits", help="xor, circles, gauss, spiral, moons, digits, teacher")
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
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    bench = sub.add_parser("bench", help="run the benchmarks B1-B6 and report JSON")
    bench.add_argument("--quick", action="store_true", help="small sizes (CI keeps it working, no timing gate)")
    bench.add_argument("--only", default=None, help="comma-separated subset, e.g. B1,B4")
    bench.add_argument("--json", metavar="PATH", default="-", help="write the result to PATH ('-' for stdout)")

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
    if args.dataset not in ("digits", "teacher"):
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
                   "sampler_params": dict(args.sampler_param), "epochs": trainer.epochs, "seed": args.seed},
        "train_accuracy": trainer.score(ds.X_train, ds.y_train),
        "test_accuracy": trainer.score(ds.X_test, ds.y_test),
        "history": trainer.history_,
        "wall_time_s": wall,
        "best_epoch": getattr(trainer, "best_epoch_", None),
    }
    print(f"{args.trainer} on {args.dataset}: train {result['train_accuracy']:.3f}, "
          f"test {result['test_accuracy']:.3f}, {wall:.1f} s", file=sys.stderr)
    return result


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
        if args.command == "lab":
            return run_lab(args)
        if args.command == "samplers":
            from .samplers import list_samplers, sampler_spec
            result = {n: {"doc": sampler_spec(n).doc, "parameters": [p.to_dict() for p in sampler_spec(n).parameters]}
                      for n in list_samplers()}
            _write_json(result, "-")
            return 0
        if args.command == "bench":
            from .bench import run_benchmarks
            only = args.only.split(",") if args.only else None
            bad = sorted(set(only or ()) - {"B1", "B2", "B3", "B4", "B5", "B6"})
            if bad:
                raise CliError(f"'--only' should list names from B1..B6: value = {args.only!r}")
            _write_json(run_benchmarks(quick=args.quick, only=only), args.json)
            return 0
        result = run_train(args)
        if args.json:
            _write_json(result, args.json)
        return 0
    except (TypeError, ValueError) as exc:
        print(f"qnn-lab: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
