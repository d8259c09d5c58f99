# make lab: set up .venv and open the lab.   make test: set up .venv and run every test.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
TORCH  ?= torch==2.13.0
STAMP  := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: lab test test-slow bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH)"     # the CPU build first, so nothing pulls CUDA wheels
	$(PY) -m pip install --quiet -e ".[all,test]"
	$(PY) -c "from qnn_lab.samplers.kernel import warm_up; warm_up()"   # numba compiles the annealer now, not at the first Play
	touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/qnn-lab lab --dir notebooks     # the source tree's notebooks, edited in place

# Debian's chromium for the real-browser tests (they skip, saying why, where it cannot be installed)
$(CHROMIUM):
	(apt-get update -qq && apt-get install -y -qq chromium) || echo "chromium not installed: browser tests will skip"

test: $(STAMP) $(CHROMIUM)
	$(PY) -m pytest

test-slow: $(STAMP)
	$(PY) -m pytest -m slow

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
