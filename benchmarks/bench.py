"""Run qnn_lab's benchmarks and write JSON: python benchmarks/bench.py [--quick] [--only B1,B4] [--json PATH]."""
import sys

from qnn_lab.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
