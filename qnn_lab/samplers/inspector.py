"""Open a "mock-qpu" or "qpu" problem in D-Wave's problem inspector (dwave-inspector).

``show_inspector(sampleset)`` hands the inspector what the sample set's ``info`` holds
(nothing is kept between calls): the embedded problem, the embedding,
the chain strength, the physical reads (so broken chains show as broken) and the
logical reads. ``inspector_data(sampleset)`` is the same data without opening anything;
dwave-inspector's own adapter (``from_bqm_sampleset``) builds it, then the physical reads
replace the adapter's reconstruction from logical values (which never shows a break).
For "mock-qpu" the inspector's solver is a dwave-cloud ``StructuredSolver`` built from
the mock's properties (qubits, couplers, topology).

The viewer is a closed-source web app from D-Wave's package index: ``dwave install
inspector`` installs it; without it ``show_inspector`` raises ``InspectorViewerMissing``
saying so (the data is still available from ``inspector_data``).

Binder / JupyterHub: the inspector serves the viewer from the kernel's machine
(127.0.0.1, port 18000 and up), which a remote browser cannot reach. Install
jupyter-server-proxy and set ``DWAVE_INSPECTOR_JUPYTER_SERVER_PROXY_EXTERNAL_URL`` to the
notebook server's external base URL, e.g. in ``binder/start``::

    export DWAVE_INSPECTOR_JUPYTER_SERVER_PROXY_EXTERNAL_URL="https://hub.mybinder.org${JUPYTERHUB_SERVICE_PREFIX}"

(use the hub address your browser shows); dwave-inspector then opens
``<that URL>proxy/<port>/...`` instead of ``http://127.0.0.1:<port>/...``. binder/start sets it
where the hub names its public address; where it does not (mybinder.org leaves
JUPYTERHUB_PUBLIC_URL empty, and BINDER_LAUNCH_HOST is the launcher, which in Binder's
federation is not the host that serves the session), the lab sets it from the address of the
page it is shown on (``proxy_url_from_page``).
"""
from __future__ import annotations

import importlib.util
import os
import urllib.parse

import numpy as np

from ..exceptions import QnnLabError, check_choice

__all__ = ["INSTALL_VIEWER", "InspectorViewerMissing", "inspector_data", "proxy_url_from_page", "show_inspector",
           "use_page_address", "viewer_installed"]

INSTALL_VIEWER = "dwave install inspector"
_PROXY_SETTING = "DWAVE_INSPECTOR_JUPYTER_SERVER_PROXY_EXTERNAL_URL"


class InspectorViewerMissing(QnnLabError, RuntimeError):
    """dwave-inspector's (closed-source) viewer app is not installed."""


def proxy_url_from_page(href, prefix=None):
    """The notebook server's external base URL from the address of a page it serves: the page's
    origin and the hub's ``prefix`` (default: JUPYTERHUB_SERVICE_PREFIX). None off a hub, or for a
    page outside the prefix.

    Examples:
        >>> proxy_url_from_page("https://hub.example.org/user/ab-x/lab/tree/lab.ipynb", "/user/ab-x/")
        'https://hub.example.org/user/ab-x/'
    """
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "") if prefix is None else prefix
    parts = urllib.parse.urlsplit(href or "")
    if not prefix or parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    prefix = "/" + prefix.strip("/") + "/"
    if not (parts.path + "/").startswith(prefix):
        return None
    return f"{parts.scheme}://{parts.netloc}{prefix}"


def use_page_address(href):
    """On a hub where nothing set DWAVE_INSPECTOR_JUPYTER_SERVER_PROXY_EXTERNAL_URL, set it from the
    address of the page the lab is shown on; returns the value in force (None: not needed)."""
    if not os.environ.get(_PROXY_SETTING):
        url = proxy_url_from_page(href)
        if url:
            os.environ[_PROXY_SETTING] = url
    return os.environ.get(_PROXY_SETTING) or None


def viewer_installed():
    """Whether dwave-inspector's viewer app (package ``dwave._inspectorapp``) is installed."""
    try:
        return importlib.util.find_spec("dwave._inspectorapp") is not None
    except ImportError:
        return False


def _solver(qpu):
    """The dwave-cloud StructuredSolver of ``qpu``: its own, or one built from a mock's properties.

    A mock gets the one built as its ``solver`` attribute (what ``from_bqm_sampleset`` looks
    for on a DWaveSampler), so it is built once per mock.
    """
    if getattr(qpu, "solver", None) is None:
        from dwave.cloud.solver import StructuredSolver
        from dwave.cloud.testing.mocks import structured_solver_data

        props = {k: v for k, v in qpu.properties.items() if k not in ("qubits", "couplers")}
        data = structured_solver_data(name=f"{props.get('chip_id', 'mock')}-{props['topology']['type']}",
                                      properties=props, qubits=list(qpu.nodelist),
                                      couplers=[list(e) for e in qpu.edgelist])
        qpu.solver = StructuredSolver(client=None, data=data)
    return qpu.solver


def inspector_data(sampleset):
    """The problem data dwave-inspector hands its viewer, for a sample set of "mock-qpu" or "qpu".

    Args:
        sampleset: the logical SampleSet a "mock-qpu" or "qpu" sampler returned; its ``info``
            holds everything needed (the models, the QPU, the physical reads, the embedding).
    """
    info = getattr(sampleset, "info", None)
    needed = ("bqm", "qpu", "physical", "embedding_context")
    if not isinstance(info, dict) or any(k not in info for k in needed):
        raise ValueError("'sampleset' should be a sample set from the 'mock-qpu' or 'qpu' sampler (its info holds "
                         f"{', '.join(needed)}): got {type(sampleset).__name__}")
    try:
        from dwave.inspector.adapters import from_bqm_sampleset
    except ImportError as exc:
        raise ImportError(f"the inspector bridge needs the qpu extra: pip install 'qnn_lab[qpu]' ({exc})") from None
    qpu, physical = info["qpu"], info["physical"]
    _solver(qpu)
    data = from_bqm_sampleset(info["bqm"], sampleset, qpu, embedding_context=info["embedding_context"],
                              params=dict(physical.info["params"]))
    answer = data["answer"]
    cols = [physical.variables.index(q) for q in answer["active_variables"]]
    answer["solutions"] = np.asarray(physical.record.sample)[:, cols].astype(int).tolist()
    answer["energies"] = (physical.record.energy - physical.info["bqm"].offset).astype(float).tolist()
    answer["num_occurrences"] = physical.record.num_occurrences.astype(int).tolist()
    return data


def show_inspector(sampleset, *, block="never"):
    """Open ``sampleset`` (from "mock-qpu" or "qpu") in the problem inspector; returns its URL.

    Raises ``InspectorViewerMissing`` (with the install command) when the viewer app is
    not installed. ``block``: "never", "once" (until the viewer loaded it) or "forever".
    """
    block = check_choice("block", block, ("never", "once", "forever"), error=ValueError)
    data = inspector_data(sampleset)
    if not viewer_installed():
        hint = ""
        if os.environ.get("JUPYTERHUB_SERVICE_PREFIX") and not os.environ.get(_PROXY_SETTING):
            hint = f"; on JupyterHub/Binder also set {_PROXY_SETTING} (see qnn_lab.samplers.inspector)"
        raise InspectorViewerMissing(f"dwave-inspector's viewer app is not installed: run `{INSTALL_VIEWER}` "
                                     f"(the problem has {len(data['answer']['active_variables'])} qubits and is "
                                     f"ready: qnn_lab.samplers.inspector.inspector_data(sampleset){hint})")
    import dwave.inspector
    from dwave.inspector.storage import push_inspector_data
    return dwave.inspector.open_problem(push_inspector_data(data), block=block)
