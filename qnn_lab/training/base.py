"""What every trainer shares: the estimator shape, history, callbacks and stopping."""
from __future__ import annotations

import inspect
import time

import numpy as np

from ..exceptions import check_int, check_random_state

__all__ = ["Estimator", "Trainer"]


class Estimator:
    """scikit-learn's parameter protocol without importing scikit-learn (it takes a second to load).

    ``get_params`` and ``set_params`` behave as ``sklearn.base.BaseEstimator``'s do (the
    parameters are the arguments of ``__init__``; ``deep`` adds ``name__key`` for parameters
    that have parameters of their own), which is all ``sklearn.base.clone`` needs.
    """

    @classmethod
    def _get_param_names(cls):
        """The names of ``__init__``'s arguments, sorted (as scikit-learn lists them)."""
        params = inspect.signature(cls.__init__).parameters.values()
        return sorted(p.name for p in params if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep=True):
        """The parameters as a dict (with ``deep``, also those of parameters that have ``get_params``)."""
        out = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params):
        """Set parameters (``name__key`` sets a parameter's own parameter); returns self."""
        valid = self.get_params(deep=True)
        nested = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for {type(self).__name__} (value = {value!r}): "
                                 f"valid parameters are {self._get_param_names()}")
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, sub_params in nested.items():
            valid[name].set_params(**sub_params)
        return self

    def __repr__(self):
        """The class and the parameters that differ from their defaults."""
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = []
        for name in self._get_param_names():
            value, default = getattr(self, name), defaults.get(name, inspect.Parameter.empty)
            same = value is default
            if not same and not isinstance(value, np.ndarray):
                try:
                    same = type(value) is type(default) and bool(value == default)
                except (TypeError, ValueError):
                    same = False
            if not same:
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"


class Trainer(Estimator):
    """A scikit-learn estimator that trains a ``Network``.

    scikit-learn's contract: ``__init__`` stores its arguments as they are, ``fit`` checks
    them and never changes them (what it derives ends in an underscore), so
    ``get_params``, ``set_params`` and ``sklearn.base.clone`` work (``Estimator``).

    ``fit`` starts from the initial network, ``partial_fit`` runs one more epoch;
    the trained network is ``network_`` (the one passed in is never changed).
    ``callback(trainer, record)`` is called after every minibatch (record["event"] ==
    "batch") and every epoch ("epoch"); ``stop()`` ends training after the current step.
    With ``keep_best`` (where a trainer has it), ``fit`` ends with the weights of the
    epoch with the best training accuracy (``best_epoch_``), like scikit-learn's
    early stopping; ``history_`` still records every epoch as it was.

    Every epoch record also carries the cost of training so far (cumulative, also kept as
    attributes with a trailing underscore): ``samples_seen``, ``train_seconds`` (time inside
    the minibatch steps, not in scoring or callbacks) and, for trainers that call a sampler,
    ``sampler_calls``, ``reads`` (over all calls) and ``anneals`` (reads x samples annealed:
    one read of a minibatch anneals every sample in it).
    """

    #: Cost counters kept by trainers that call a sampler (they add to them in ``_step``).
    SAMPLER_COUNTERS = ()

    def _prepare_fit(self, X, y):
        net = self.network
        X = net.check_X(X)
        y = net.check_y(y, len(X))
        if len(X) == 0:
            raise ValueError("'X' should hold at least one sample: shape = (0, ...)")
        return X, y

    def _check_params(self):
        """Check the parameters (raising errors that name them); derived values go to underscore attributes."""
        check_int("epochs", self.epochs, low=0)
        self._batch_size = self._resolve_batch_size()

    def _resolve_batch_size(self):
        """Samples per minibatch, as ``fit`` uses it."""
        return check_int("batch_size", self.batch_size, low=1)

    def _initialize(self):
        self.network_ = self.network.copy()
        self.history_ = []
        self.epoch_ = 0
        self.n_steps_ = 0
        self._rng = check_random_state(self.random_state)
        self._stop_requested = False
        self.samples_seen_ = 0
        self.train_seconds_ = 0.0
        for name in self.SAMPLER_COUNTERS:
            setattr(self, f"{name}_", 0)

    def fit(self, X, y, X_test=None, y_test=None):
        """Train for ``epochs`` epochs from the initial network; returns self."""
        self._check_params()
        X, y = self._prepare_fit(X, y)
        self._initialize()
        best = None
        for _ in range(self.epochs):
            self.partial_fit(X, y, X_test, y_test)
            last = self.history_[-1] if self.history_ else None
            if getattr(self, "keep_best", False) and last and (best is None or last["train_accuracy"] > best[0]):
                best = (last["train_accuracy"], last["epoch"], self.network_.copy())
            if self._stop_requested:
                break
        if best is not None:
            _, self.best_epoch_, self.network_ = best
        return self

    def partial_fit(self, X, y, X_test=None, y_test=None):
        """One epoch over (X, y) in shuffled minibatches; returns self."""
        if not hasattr(self, "network_"):
            self._check_params()
            self._initialize()
        X, y = self._prepare_fit(X, y)
        if X_test is not None:
            X_test = self.network.check_X(X_test, "X_test")
            y_test = self.network.check_y(y_test, len(X_test), "y_test")
        self._stop_requested = False
        t0 = time.perf_counter()
        stats = []
        order = self._rng.permutation(len(X))
        for start in range(0, len(X), self._batch_size):
            if self._stop_requested:
                break
            idx = order[start:start + self._batch_size]
            t_step = time.perf_counter()
            stats.append(self._step(X[idx], y[idx]))
            self.train_seconds_ += time.perf_counter() - t_step
            self.n_steps_ += 1
            self.samples_seen_ += len(idx)
            self._notify({"event": "batch", "epoch": self.epoch_, "step": self.n_steps_,
                          "progress": min(1.0, (start + len(idx)) / len(X)), **stats[-1]})
        if not stats:
            return self
        self.epoch_ += 1
        record = {"epoch": self.epoch_, "train_accuracy": self.score(X, y)}
        if X_test is not None:
            record["test_accuracy"] = self.score(X_test, y_test)
        for key in stats[0]:
            values = [s[key] for s in stats]
            record[key] = float(np.sum(values) if key.endswith("seconds") else np.mean(values))
        record["wall_seconds"] = time.perf_counter() - t0
        record["samples_seen"] = self.samples_seen_
        record["train_seconds"] = self.train_seconds_
        record.update({name: getattr(self, f"{name}_") for name in self.SAMPLER_COUNTERS})
        record["completed"] = not self._stop_requested
        record.update(self._epoch_measurements(X, y))
        self.history_.append(record)
        self._notify({"event": "epoch", **record})
        return self

    def _epoch_measurements(self, X, y):
        """Extra keys of an epoch record, measured after the epoch (outside its wall time)."""
        return {}

    def stop(self):
        """Ask a running fit/partial_fit to end after the current minibatch."""
        self._stop_requested = True

    def _notify(self, record):
        if self.callback is not None:
            self.callback(self, record)

    def _check_fitted(self):
        if not hasattr(self, "network_"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet: call fit or partial_fit first")

    def predict(self, X):
        """Predicted classes of the trained network."""
        self._check_fitted()
        return self.network_.predict(X)

    def score(self, X, y):
        """Accuracy of ``predict`` on (X, y)."""
        self._check_fitted()
        return self.network_.score(X, y)
