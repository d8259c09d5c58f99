"""Mean final energy of the layered annealer vs dwave-samplers' SA at equal sweeps, with standard errors.

    PYTHONPATH=. nice python benchmarks/energy.py [--seeds 10] [--sweeps 10,100,1000] [--json benchmarks/energy.json]

B1's model (64 digits samples of a 64-120-40 network, 10 reads, the same beta range for both);
each sampler runs once per seed, and every read's energy is computed from the BQM. A read
anneals all 64 samples, so reads are independent: the standard error of a mean is the reads'
standard deviation / sqrt(reads), and z is the difference over its standard error.
"""
import argparse
import json
import os
import sys

import numpy as np
from dwave.samplers import SimulatedAnnealingSampler

from qnn_lab import Network, load_dataset
from qnn_lab.encoding import LayeredModel, encode_neurons
from qnn_lab.samplers import LayeredAnnealer, default_beta_range


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="runs per sampler and sweep count (seeds 1..N)")
    parser.add_argument("--sweeps", default="10,100,1000")
    parser.add_argument("--reads", type=int, default=10)
    parser.add_argument("--json", default="benchmarks/energy.json")
    args = parser.parse_args(argv)
    ds = load_dataset("digits", random_state=0)
    net = Network([64, 120, 10], output_replicas=4, random_state=0)
    X = ds.X_train[:64]
    bqm = encode_neurons(net, X).bqm
    beta_range = default_beta_range(LayeredModel.from_network(net, X))
    samplers = {"sa": SimulatedAnnealingSampler(), "layered": LayeredAnnealer()}
    rows = []
    for sweeps in (int(s) for s in args.sweeps.split(",")):
        energies = {name: [] for name in samplers}
        for seed in range(1, args.seeds + 1):
            for name, sampler in samplers.items():
                ss = sampler.sample(bqm, num_reads=args.reads, num_sweeps=sweeps, beta_range=beta_range, seed=seed)
                energies[name].extend(bqm.energies(ss).tolist())
        row = {"sweeps": sweeps, "reads_per_sampler": len(energies["sa"])}
        for name, e in energies.items():
            e = np.asarray(e)
            row[f"{name}_mean_energy"] = float(e.mean())
            row[f"{name}_sem"] = float(e.std(ddof=1) / np.sqrt(len(e)))
            row[f"{name}_mean_energy_per_seed"] = e.reshape(args.seeds, args.reads).mean(1).tolist()
        diff = row["layered_mean_energy"] - row["sa_mean_energy"]
        se = float(np.hypot(row["layered_sem"], row["sa_sem"]))
        row.update(layered_minus_sa=diff, difference_sem=se, z=diff / se)
        print(f"{sweeps:5d} sweeps: layered {row['layered_mean_energy']:.2f} +- {row['layered_sem']:.2f}, "
              f"SA {row['sa_mean_energy']:.2f} +- {row['sa_sem']:.2f}, layered - SA {diff:+.2f} +- {se:.2f} "
              f"(z {diff / se:+.2f})", flush=True)
        rows.append(row)
    with open(args.json, "w") as f:
        json.dump({"command": "PYTHONPATH=. nice python benchmarks/energy.py " + " ".join(argv or sys.argv[1:]),
                   "model": "64 digits samples x (120 + 40) spins, 64-120-40 network", "beta_range": beta_range,
                   "reads_per_run": args.reads, "seeds": list(range(1, args.seeds + 1)), "rows": rows,
                   "load_average_1min": os.getloadavg()[0]}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
