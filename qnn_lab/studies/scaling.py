"""Scaling of test error with training cost: log(error) = -alpha log(cost) + c, with bootstrap CIs.

The study (the paper's claim: annealing's exponent 1.01 against backprop's 0.78) trains
every trainer once per seed and records a learning curve:
test error and every cost counter at budgets spaced geometrically in minibatch steps. A
run stopped after B steps is exactly the first B steps of a longer run (the trainers'
schedules depend only on the epoch index), so each checkpoint of one run is the result
of training with budget B. Per seed the data set (the teacher, or the digits split) and
the initial network are drawn from that seed, and trainers share them.

The fit averages the error over seeds at each budget (so a seed with zero test errors
still counts), takes the mean cost, and fits a line to the log-log points inside the
window. The 95 % CI resamples seeds with replacement and refits; the ratio of two
trainers' exponents uses the same seed draws for both.

Tasks (``TASKS``): the teacher-student perceptron, whose error keeps falling as a power
law over the whole run, and scikit-learn's digits, whose error settles on a floor (a few
digits stay wrong) so that its curve bends. Each task states the rule of its fit window
(``WINDOW_RULES``), applied to every trainer's own seed-averaged curve:

- "plateau" (teacher): from the first budget whose mean error is below 80 % of the first
  budget's (past the initial plateau at chance level) to the last budget;
- "floor" (digits): from the same start to the last budget whose mean error is still at
  least twice the lowest mean error of the curve: past that the curve bends onto its
  floor, which is no power law.
"""
from __future__ import annotations

import dataclasses
import inspect
import json
import time
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import check_choice, check_float, check_int, check_random_state
from ..training import TRAINERS, make_trainer, trainer_spec
from .qpu_time import QpuTimeModel

__all__ = ["COST_AXES", "TASKS", "WINDOW_RULES", "ScalingFit", "ScalingStudy", "ScalingTask", "fit_power_law",
           "fit_scaling", "power_law_rows", "scaling_study"]

#: Cost axes of a study; the last three need a trainer that calls a sampler (with the QPU model).
COST_AXES = ("epochs", "samples_seen", "train_seconds", "sampler_calls", "reads", "anneals", "qpu_seconds")
SHARED_AXES = COST_AXES[:3]


@dataclass(frozen=True)
class ScalingTask:
    """A task of the scaling study: its data set (``load_dataset`` arguments but the seed), the
    network (one hidden layer of ``hidden`` spins, ``replicas`` output spins per class), the
    run (``batch_size``, ``epochs``) and the rule of its fit window (a key of ``WINDOW_RULES``)."""

    dataset: dict
    hidden: int
    replicas: int
    batch_size: int
    epochs: int
    window_rule: str


#: The study's tasks; every setting can be overridden per study.
TASKS = {
    "teacher": ScalingTask({"name": "teacher", "n_inputs": 64, "alpha": 80.0}, hidden=32, replicas=4, batch_size=16,
                           epochs=4, window_rule="plateau"),
    "digits": ScalingTask({"name": "digits"}, hidden=64, replicas=4, batch_size=16, epochs=10, window_rule="floor"),
}


def fit_power_law(cost, error, window=None):
    """Least-squares line through (log cost, log error): returns (alpha, log_prefactor, n_points).

    ``error ~ exp(log_prefactor) * cost ** -alpha``; only points with cost inside
    ``window = (low, high)`` (inclusive; None: all) and positive error and cost are used.

    Examples:
        >>> cost = np.array([1.0, 10.0, 100.0])
        >>> alpha, log_a, n = fit_power_law(cost, 0.5 * cost ** -0.75)
        >>> round(alpha, 6), round(float(np.exp(log_a)), 6), n
        (0.75, 0.5, 3)
    """
    cost, error = np.asarray(cost, float), np.asarray(error, float)
    keep = _usable(cost, error, window)
    distinct = len(np.unique(cost[keep]))
    if distinct < 2:
        raise ValueError(f"a power-law fit needs points at two or more costs with error > 0 inside the window "
                         f"{_window_text(window)}: found {distinct}")
    alpha, log_prefactor = power_law_rows(cost[None], error[None], window)[0]
    return float(alpha), float(log_prefactor), int(keep.sum())


def _usable(cost, error, window):
    """The points a power-law fit uses: finite, positive cost and error, cost inside ``window`` (None: all)."""
    with np.errstate(invalid="ignore"):
        keep = (cost > 0) & (error > 0) & np.isfinite(cost) & np.isfinite(error)
        return keep if window is None else keep & (cost >= window[0]) & (cost <= window[1])


def power_law_rows(cost, error, window=None):
    """The least-squares line of ``fit_power_law`` on every row of (rows, budgets) arrays at once (a study's
    bootstrap resamplings): (rows, 2) of (alpha, log_prefactor), NaN where a row has fewer than two costs."""
    keep = _usable(cost, error, window)
    with np.errstate(divide="ignore", invalid="ignore"):
        x, y = np.where(keep, np.log(cost), 0.0), np.where(keep, np.log(error), 0.0)
        n = keep.sum(1)
        x_mean, y_mean = x.sum(1) / n, y.sum(1) / n
        dx = np.where(keep, x - x_mean[:, None], 0.0)
        sxx = (dx ** 2).sum(1)
        slope = (dx * (y - y_mean[:, None])).sum(1) / sxx
        fits = np.stack([-slope, y_mean - slope * x_mean], axis=1)
    fits[~(sxx > 1e-300)] = np.nan                        # one distinct cost (or none) in the window
    return fits


@dataclass
class ScalingFit:
    """alpha of error ~ cost**-alpha with its bootstrap confidence interval.

    ``log_rms`` is the RMS residual of the fitted line in log error (0.05 is a 5 % scatter
    about the power law); a large one says the curve bends inside the window.
    """

    alpha: float
    ci: tuple
    log_prefactor: float
    window: tuple
    n_points: int
    log_rms: float
    confidence: float
    boot_alpha: np.ndarray = field(repr=False)
    boot_log_prefactor: np.ndarray = field(repr=False)
    window_rule: str = None

    def covers(self, alpha):
        """Whether ``alpha`` lies inside the confidence interval."""
        return bool(self.ci[0] <= alpha <= self.ci[1])

    def to_dict(self):
        return {"alpha": self.alpha, "ci": list(self.ci), "log_prefactor": self.log_prefactor,
                "window": list(self.window), "window_rule": self.window_rule, "n_points": self.n_points,
                "log_rms": self.log_rms, "confidence": self.confidence,
                "n_bootstrap": len(self.boot_alpha), "bootstrap_failed": int(np.sum(~np.isfinite(self.boot_alpha)))}


def _check_curves(costs, errors):
    costs, errors = np.atleast_2d(np.asarray(costs, float)), np.atleast_2d(np.asarray(errors, float))
    if costs.shape != errors.shape:
        raise ValueError(f"'costs' and 'errors' should have the same shape (seeds, budgets): "
                         f"shapes = {costs.shape}, {errors.shape}")
    return costs, errors


def _draws(n_seeds, n_bootstrap, random_state):
    n_bootstrap = check_int("n_bootstrap", n_bootstrap, low=1)
    return check_random_state(random_state).integers(n_seeds, size=(n_bootstrap, n_seeds))


def _check_window(window):
    if window is None:
        return None
    try:
        low, high = (float(v) for v in window)
    except (TypeError, ValueError):
        raise TypeError(f"'window' should be None or a pair (low, high) of costs: value = {window!r}") from None
    if not (0 <= low < high):
        raise ValueError(f"'window' should be a pair (low, high) with 0 <= low < high: value = {window!r}")
    return low, high


def scaling_task(name):
    """The ``ScalingTask`` called ``name``: one of ``TASKS``, or any registered data set (``list_datasets()``)
    with the teacher's network and run sizes and the "plateau" rule."""
    from ..data import DATASETS

    if name in TASKS:
        return TASKS[name]
    if isinstance(name, str) and name in DATASETS.names():
        return dataclasses.replace(TASKS["teacher"], dataset={"name": name})
    raise ValueError(f"'task' should be one of {', '.join(map(repr, TASKS))} or a data set name "
                     f"({', '.join(DATASETS.names())}): value = {name!r}")


def default_window(cost, error):
    """From the first budget whose mean error is below 80 % of the first one (past the initial plateau) to the end."""
    below = np.flatnonzero(error < 0.8 * error[0])
    start = below[0] if len(below) and below[0] < len(cost) - 1 else 0
    return float(cost[start]), float(cost[-1])


def window_before_floor(cost, error):
    """``default_window``'s start, up to the last budget whose mean error is at least twice the lowest one."""
    start = float(default_window(cost, error)[0])
    above = np.flatnonzero((error >= 2 * error.min()) & (cost > start))
    return start, float(cost[above[-1]] if len(above) else cost[-1])


#: Rules of the fit window: (function of the mean curve (cost, error) -> (low, high), the rule in words).
WINDOW_RULES = {
    "plateau": (default_window, "from the first budget whose mean error is below 80 % of the first budget's (past "
                                "the initial plateau) to the last budget"),
    "floor": (window_before_floor, "from the first budget whose mean error is below 80 % of the first budget's to "
                                   "the last budget whose mean error is at least twice the curve's lowest (before it "
                                   "bends onto its floor)"),
}


def fit_scaling(costs, errors, window=None, *, window_rule="plateau", n_bootstrap=1000, confidence=0.95,
                random_state=0, draws=None):
    """Fit alpha on the seed-averaged learning curve, with a bootstrap CI over seeds.

    Args:
        costs, errors: arrays (seeds, budgets): the cost and test error of every seed at
            every budget (a 1-D array is one seed).
        window: (low, high) in cost units; None: by ``window_rule`` from the mean curve.
        window_rule: a key of ``WINDOW_RULES`` (used when ``window`` is None).
        n_bootstrap: seed resamplings (with replacement).
        confidence: width of the percentile interval, in (0, 1).
        random_state: seed of the resampling (ignored when ``draws`` is given).
        draws: seed indices (n_bootstrap, seeds) to reuse, e.g. the same draws for two
            trainers whose ratio is wanted.

    Returns:
        ScalingFit.

    Examples:
        >>> cost = np.tile(np.geomspace(1, 1e3, 10), (4, 1))
        >>> noise = np.exp(0.05 * np.random.default_rng(0).standard_normal(cost.shape))
        >>> fit = fit_scaling(cost, 2 * cost ** -0.8 * noise, window=(1, 1e3))
        >>> round(fit.alpha, 1), fit.covers(0.8), fit.covers(1.0)
        (0.8, True, False)
    """
    costs, errors = _check_curves(costs, errors)
    confidence = check_float("confidence", confidence, low=0, high=1, low_open=True, high_open=True)
    window = _check_window(window)
    given = window is not None
    rule = check_choice("window_rule", window_rule, tuple(WINDOW_RULES), error=ValueError)
    mean_cost, mean_error = costs.mean(0), errors.mean(0)
    if window is None:
        window = WINDOW_RULES[rule][0](mean_cost, mean_error)
    alpha, log_prefactor, n_points = fit_power_law(mean_cost, mean_error, window)
    inside = (mean_cost >= window[0]) & (mean_cost <= window[1]) & (mean_error > 0)
    residual = np.log(mean_error[inside]) - (log_prefactor - alpha * np.log(mean_cost[inside]))
    log_rms = float(np.sqrt(np.mean(residual ** 2)))
    if draws is None:
        draws = _draws(len(costs), n_bootstrap, random_state)
    boot = power_law_rows(costs[draws].mean(1), errors[draws].mean(1), window)
    tail = 50 * (1 - confidence)
    ci = tuple(float(v) for v in np.nanpercentile(boot[:, 0], [tail, 100 - tail]))
    return ScalingFit(alpha, ci, log_prefactor, window, n_points, log_rms, confidence, boot[:, 0], boot[:, 1],
                      None if given else rule)


def _ratio(numerator, denominator, confidence):
    """The ratio of two fits' alphas with its bootstrap CI; a resampling whose denominator is flat (alpha 0,
    a curve that does not fall) or has no fit gives no ratio and is left out."""
    top, bottom = numerator.boot_alpha, denominator.boot_alpha
    usable = np.isfinite(top) & np.isfinite(bottom) & (bottom != 0)
    ratio = top[usable] / bottom[usable]
    tail = 50 * (1 - confidence)
    ci = np.percentile(ratio, [tail, 100 - tail]) if len(ratio) else [np.nan, np.nan]
    return {"value": numerator.alpha / denominator.alpha if denominator.alpha else float("nan"),
            "ci": [float(v) for v in ci]}


@dataclass
class ScalingStudy:
    """Learning curves of a study and the fits on one cost axis.

    ``curves[trainer]`` maps ``"error"`` and every cost axis the trainer has to an array
    (seeds, budgets); ``fits[trainer]`` is a ``ScalingFit``; ``ratios["a/b"]`` holds the
    ratio of alphas with its CI from shared bootstrap draws. ``refit`` changes the axis
    or window without training again.
    """

    config: dict
    curves: dict
    cost: str
    fits: dict
    ratios: dict

    def refit(self, cost=None, window=None, *, trainers=None, n_bootstrap=None, confidence=None, random_state=None):
        """The same curves fitted on another cost axis or window, optionally for a subset of trainers."""
        cfg = self.config
        curves = self.curves
        if trainers is not None:
            if isinstance(trainers, str) or not set(trainers) <= set(curves) or not trainers:
                raise ValueError(f"'trainers' should be a non-empty list from this study's trainers "
                                 f"({', '.join(curves)}): value = {trainers!r}")
            curves = {name: curves[name] for name in trainers}
        return _fit_study(cfg, curves, self.cost if cost is None else cost, window, cfg["window_rule"],
                          cfg["n_bootstrap"] if n_bootstrap is None else n_bootstrap,
                          cfg["confidence"] if confidence is None else confidence,
                          cfg["random_state"] if random_state is None else random_state)

    def to_dict(self):
        """Everything as JSON-ready lists and numbers."""
        return {"config": self.config, "cost": self.cost,
                "fits": {name: fit.to_dict() for name, fit in self.fits.items()}, "ratios": self.ratios,
                "curves": {name: {k: v.tolist() for k, v in c.items()} for name, c in self.curves.items()}}

    @classmethod
    def from_dict(cls, data):
        """The study that ``to_dict`` wrote (e.g. read back from ``qnn-lab scaling --json``), refitted."""
        curves = {name: {k: np.asarray(v, float) for k, v in c.items()} for name, c in data["curves"].items()}
        cfg = data["config"]
        return _fit_study(cfg, curves, data["cost"], cfg["window"], cfg.get("window_rule", "plateau"),
                          cfg["n_bootstrap"], cfg["confidence"], cfg["random_state"])

    def qpu_seconds_per_cell(self):
        """{trainer: modelled QPU seconds of one cell (a whole run), averaged over seeds} for annealing trainers."""
        return {name: float(c["qpu_seconds"][:, -1].mean()) for name, c in self.curves.items() if "qpu_seconds" in c}

    def summary(self):
        """One line per trainer, per ratio, and the modelled QPU time of the annealing trainers' cells."""
        lines = [f"{name}: alpha = {f.alpha:.3f} [{f.ci[0]:.3f}, {f.ci[1]:.3f}] on {self.cost} "
                 f"in [{f.window[0]:.4g}, {f.window[1]:.4g}] (log rms {f.log_rms:.3f})"
                 for name, f in self.fits.items()]
        lines += [f"{name}: {r['value']:.3f} [{r['ci'][0]:.3f}, {r['ci'][1]:.3f}]" for name, r in self.ratios.items()]
        seeds = len(next(iter(self.curves.values()))["error"])
        lines += [f"{name} on a QPU (time model): {per_cell:.3g} s per cell, {seeds * per_cell:.3g} s for {seeds} "
                  f"cells" for name, per_cell in self.qpu_seconds_per_cell().items()]
        return "\n".join(lines)


def _fit_study(config, curves, cost, window, window_rule, n_bootstrap, confidence, random_state):
    cost = check_choice("cost", cost, COST_AXES, error=ValueError)
    missing = [name for name, c in curves.items() if cost not in c]
    if missing:
        shared = [axis for axis in COST_AXES if all(axis in c for c in curves.values())]
        raise ValueError(f"'cost' = {cost!r} is not defined for trainer(s) {', '.join(map(repr, missing))} "
                         f"(they call no sampler); axes shared by the chosen trainers: {', '.join(shared)}")
    n_seeds = len(next(iter(curves.values()))["error"])
    draws = _draws(n_seeds, n_bootstrap, random_state)
    fits = {name: fit_scaling(c[cost], c["error"], window, window_rule=window_rule, confidence=confidence,
                              draws=draws) for name, c in curves.items()}
    names = list(fits)
    baseline = "backprop" if "backprop" in fits else names[-1]
    ratios = {f"{name}/{baseline}": _ratio(fits[name], fits[baseline], confidence)
              for name in names if name != baseline}
    return ScalingStudy({**config, "window": None if window is None else [float(w) for w in window],
                         "window_rule": window_rule, "window_rule_text": WINDOW_RULES[window_rule][1],
                         "n_bootstrap": len(draws), "confidence": confidence, "random_state": random_state},
                        curves, cost, fits, ratios)


def _budget_steps(total_steps, budgets):
    """Checkpoints spaced geometrically in steps, 1 .. total_steps (distinct)."""
    return np.unique(np.round(np.geomspace(1, total_steps, budgets)).astype(int))


def _study_defaults(name):
    """What a study sets where trainer ``name`` takes it: every epoch measured as it is (keep_best off),
    and no landscape probe (it costs time and changes no result of the study)."""
    taken = inspect.signature(trainer_spec(name).cls).parameters
    return {key: value for key, value in {"keep_best": False, "probe_size": 0}.items() if key in taken}


def run_cell(spec):
    """One cell of the study, rebuilt from its spec: test error and cost counters of one run at its budgets.

    ``spec``: "task" (its name), "dataset" (``load_dataset`` arguments but the seed), "network" (layers, replicas),
    "trainer" (a name), "trainer_params" ({name: parameters}), "budgets" and "seed", which draws
    the data set, the initial network and the trainer's randomness.
    """
    from ..data import load_dataset
    from ..network import Network

    seed, name = spec["seed"], spec["trainer"]
    ds = load_dataset(**spec["dataset"], random_state=seed)
    net = Network(spec["network"]["layers"], output_replicas=spec["network"]["replicas"], random_state=seed)
    params = {**spec["trainer_params"][name], "random_state": seed}
    steps = _budget_steps(params["epochs"] * -(-len(ds.y_train) // params["batch_size"]), spec["budgets"])
    rows = []

    def record(trainer, event):
        if event["event"] == "batch" and trainer.n_steps_ in steps:
            row = {"error": 1.0 - trainer.score(ds.X_test, ds.y_test), "samples_seen": trainer.samples_seen_,
                   "epochs": trainer.samples_seen_ / len(ds.y_train), "train_seconds": trainer.train_seconds_}
            rows.append({**row, **{c: getattr(trainer, f"{c}_") for c in trainer.SAMPLER_COUNTERS}})

    make_trainer(name, net, callback=record, **params).fit(ds.X_train, ds.y_train)
    return {key: [row[key] for row in rows] for key in rows[0]}


def _curves(cells, results, qpu_model):
    """{trainer: {axis: array (seeds, budgets)}} from the cells' results, with the modelled QPU seconds."""
    curves = {}
    for cell, result in zip(cells, results):
        runs = curves.setdefault(cell["trainer"], {})
        for key, values in result.items():
            runs.setdefault(key, []).append(values)
    curves = {name: {key: np.array(rows, float) for key, rows in c.items()} for name, c in curves.items()}
    for c in curves.values():
        if "sampler_calls" in c:
            c["qpu_seconds"] = qpu_model.seconds(c["sampler_calls"], c["reads"])
    return curves


def scaling_study(task="teacher", *, trainers=("contrastive", "backprop"), cost="samples_seen", seeds=5,
                  epochs=None, batch_size=None, budgets=20, hidden=None, replicas=None, dataset_params=None,
                  trainer_params=None, window=None, n_bootstrap=1000, confidence=0.95, qpu_model=None,
                  random_state=0, client=None, results=None, resume=False, progress=None):
    """Train every trainer on every seed, record learning curves, fit the scaling exponents.

    Every (trainer, seed) pair is one cell, rebuilt from small specs wherever it runs (see
    ``qnn_lab.studies.grid``): the numbers depend only on the settings and the seeds, not on
    where the cells ran.

    Args:
        task: a name from ``TASKS``: "teacher" (the teacher-student perceptron) or "digits"; or
            any registered data set (``scaling_task``). Every cell's spec names it; its settings
            fill the arguments left at None.
        trainers: names from ``list_trainers()``.
        cost: the cost axis of the fit, one of ``COST_AXES``; a trainer that calls no sampler
            (backprop) has only epochs, samples_seen and train_seconds.
        seeds: number of seeds (random_state, random_state + 1, ...): each draws the data
            set and the initial network; trainers share them.
        epochs: epochs of each run (the largest budget); None: the task's.
        batch_size: samples per minibatch (the smallest budget is one minibatch); None: the task's.
        budgets: number of checkpoints, spaced geometrically in minibatch steps.
        hidden: width of the single hidden layer; replicas: output spins per class (None: the task's).
        dataset_params: options of ``load_dataset`` that replace the task's (teacher: n_inputs 64, alpha 80).
        trainer_params: {trainer name: extra constructor arguments, JSON-ready}, e.g.
            ``{"contrastive": {"sampler": "sa", "num_reads": 8}}``.
        window: (low, high) of the fit, in cost units; None: by the task's rule (``WINDOW_RULES``).
        n_bootstrap, confidence: the bootstrap over seeds.
        qpu_model: a ``QpuTimeModel`` for the "qpu_seconds" axis (default constants if None).
        random_state: first seed, and seed of the bootstrap.
        client: a ``dask.distributed.Client`` to run the cells on; None: one after another here.
        results: a JSON-lines file that every finished cell is appended to; None: none.
        resume: skip the cells already in ``results`` (a file from other settings is refused).
        progress: ``progress(done, total, label)`` after every cell.

    Returns:
        ScalingStudy (``.fits``, ``.ratios``, ``.summary()``, ``.to_dict()``, ``.refit(...)``).
    """
    from ..data import load_dataset
    from ..network import Network
    from .grid import run_grid, study_fingerprint

    if isinstance(trainers, str) or not all(isinstance(t, str) for t in trainers) or not trainers:
        raise TypeError(f"'trainers' should be a non-empty list of names from {', '.join(TRAINERS)}: "
                        f"value = {trainers!r}")
    trainers = list(dict.fromkeys(TRAINERS.lookup(t, "trainers").name for t in trainers))
    cost = check_choice("cost", cost, COST_AXES, error=ValueError)
    no_sampler = [t for t in trainers if not TRAINERS[t].calls_sampler]
    if cost not in SHARED_AXES and no_sampler:
        raise ValueError(f"'cost' = {cost!r} is not defined for trainer {no_sampler[0]!r} (it calls no sampler); "
                         f"axes shared by the chosen trainers: {', '.join(SHARED_AXES)}")
    task_name, task = task, scaling_task(task)
    seeds = check_int("seeds", seeds, low=2)
    epochs = check_int("epochs", task.epochs if epochs is None else epochs, low=1)
    batch_size = check_int("batch_size", task.batch_size if batch_size is None else batch_size, low=1)
    budgets = check_int("budgets", budgets, low=2)
    hidden = check_int("hidden", task.hidden if hidden is None else hidden, low=1)
    replicas = check_int("replicas", task.replicas if replicas is None else replicas, low=1)
    n_bootstrap = check_int("n_bootstrap", n_bootstrap, low=1)
    random_state = check_int("random_state", random_state, low=0)
    _check_window(window)
    qpu_model = QpuTimeModel() if qpu_model is None else qpu_model
    if not isinstance(qpu_model, QpuTimeModel):
        raise TypeError(f"'qpu_model' should be a QpuTimeModel or None: value = {qpu_model!r}")
    trainer_params = dict(trainer_params or {})
    unknown = sorted(set(trainer_params) - set(trainers))
    if unknown:
        raise ValueError(f"'trainer_params' should only name the study's trainers ({', '.join(trainers)}): "
                         f"value has {', '.join(map(repr, unknown))}")
    confidence = check_float("confidence", confidence, low=0, high=1, low_open=True, high_open=True)
    for name, params in trainer_params.items():
        fixed = sorted(set(params) & {"batch_size", "epochs", "random_state", "callback"})
        if fixed:
            raise ValueError(f"'trainer_params' for {name!r} should not set {', '.join(map(repr, fixed))}: "
                             f"the study sets them (use its own arguments)")
    try:
        json.dumps(trainer_params, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"'trainer_params' should hold names and numbers (a sampler by name, not an object), so "
                        f"that a worker can rebuild the trainer: {exc}") from None
    dataset = {**task.dataset, **(dataset_params or {})}
    ds = load_dataset(**dataset, random_state=random_state)
    layers = [ds.n_features, hidden, ds.n_classes]
    params = {name: {**_study_defaults(name), **trainer_params.get(name, {}), "batch_size": batch_size,
                     "epochs": epochs} for name in trainers}
    net = Network(layers, output_replicas=replicas, random_state=random_state)
    for name in trainers:              # every bad trainer parameter fails here, before any training
        make_trainer(name, net, **params[name])._check_params()
    shared = {"dataset": dataset, "network": {"layers": layers, "replicas": replicas},
              "trainer_params": params, "budgets": budgets}
    # trainer by trainer: on Dask the slow annealing cells (listed first) start early
    cells = [{"task": task_name, "trainer": name, "seed": seed} for name in trainers
             for seed in range(random_state, random_state + seeds)]
    t0 = time.perf_counter()
    outcome = run_grid("scaling", shared, cells, run_cell, results=results, resume=resume, client=client,
                       progress=progress)
    curves = _curves(cells, outcome, qpu_model)
    config = {"task": task_name, "dataset": dataset, "trainers": trainers,
              "seeds": list(range(random_state, random_state + seeds)),
              "epochs": epochs, "batch_size": batch_size, "budgets": budgets,
              "layers": layers, "replicas": replicas, "trainer_params": trainer_params,
              "qpu_model": qpu_model.to_dict(), "window": None if window is None else list(_check_window(window)),
              "study_seconds": time.perf_counter() - t0, "fingerprint": study_fingerprint("scaling", shared)}
    return _fit_study(config, curves, cost, window, task.window_rule, n_bootstrap, confidence, random_state)


def _window_text(window):
    return "(all costs)" if window is None else f"[{window[0]:.4g}, {window[1]:.4g}]"
