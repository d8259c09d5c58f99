"""``import qnn_lab`` stays light: torch, scikit-learn and numba load where they are used, not before."""
import subprocess
import sys


def _modules_after(code):
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\n"
                          "print(' '.join(m for m in ('torch', 'sklearn', 'numba') if m in sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_import_loads_neither_torch_nor_sklearn_nor_numba():
    assert not _modules_after("import qnn_lab") & {"torch", "sklearn", "numba"}


def test_the_cpu_annealer_needs_numba_but_not_torch():
    code = ("import numpy as np, qnn_lab as ql\n"
            "enc = ql.encode_neurons(ql.Network([3, 4, 2], random_state=0), np.zeros((1, 3)))\n"
            "ql.get_sampler('layered', num_reads=2, num_sweeps=3, seed=0).sample(enc.bqm)")
    loaded = _modules_after(code)
    assert "numba" in loaded and "torch" not in loaded


def test_the_lab_loads_the_kernel_in_the_background_once_its_page_is_drawn():
    code = ("import sys, threading, qnn_lab as ql\n"
            "lab = ql.Lab()\n"
            "assert 'numba' not in sys.modules\n"
            "lab.browser.href = 'http://localhost:8888/lab/tree/lab.ipynb'     # the page reports: drawn\n"
            "[t.join() for t in threading.enumerate() if t.name == 'qnn_lab-load-kernel']\n"
            "from qnn_lab.samplers import kernel\n"
            "assert kernel._anneal_tiles.signatures, 'the kernel was not loaded'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
