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


def test_one_blas_thread_limits_the_blas_the_kernel_loads_after_the_network_used_its_own():
    """The network makes its BLAS handle first (the lab's first drawing); the kernel loads scipy's BLAS later,
    which that handle does not see (the kernel ran 3x slower on two BLAS threads)."""
    code = ("import numpy as np, qnn_lab as ql\n"
            "from threadpoolctl import threadpool_info\n"
            "from qnn_lab.network.network import one_blas_thread\n"
            "ql.Network([2, 8, 2], random_state=0).class_energies(np.zeros((3, 2)))\n"
            "from qnn_lab.samplers import kernel\n"
            "with one_blas_thread():\n"
            "    blas = [i for i in threadpool_info() if i['user_api'] == 'blas']\n"
            "assert any('scipy' in i['filepath'] for i in blas), blas\n"
            "assert len(blas) >= 2 and all(i['num_threads'] == 1 for i in blas), blas\n")
    subprocess.run([sys.executable, "-c", code], check=True)
