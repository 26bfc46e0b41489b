# Quick start: `make demo` runs the main job, `make test` runs every check, `make lab` opens
# the notebooks in JupyterLab. Each creates .venv on first use and installs the project into it
# (editable), with what it needs.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Property tests draw new examples on each run from this seed, which pytest prints in its header;
# `make test SEED=<n>` replays a run exactly.
SEED ?= $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')

.PHONY: demo test lab course bench docs linkcheck diagram mutation clean

# One stamp per set of extras, so `make demo` does not pull in the test tools.
$(VENV)/.demo: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[viz]"
	@touch $@

$(VENV)/.test: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev,viz,notebooks,onnx]"
	@touch $@

# JupyterLab saves the state of widgets with a notebook (jupyter/overrides.json), so that a saved
# notebook shows its widgets when opened again, instead of "Error displaying widget".
$(VENV)/.lab: pyproject.toml jupyter/overrides.json
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[notebooks,viz,torch]"
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $@

demo: $(VENV)/.demo
	$(VENV)/bin/autodiff demo --out demo-output

# The documentation site, in build/site/ (open build/site/index.html): the README, the guide,
# every notebook with its outputs, the API reference, the benchmarks' figures. Sphinx reads the
# repository itself (docs/conf.py); any warning fails the build, and then every link and anchor
# in the site must resolve, offline, and its code show as written. Built afresh each time (-E,
# and no pages left from notebooks since removed). Notebooks run once, cached in
# build/notebooks/ (docs/executed_notebooks.py). Inside it, build/site/lite/: the course in the
# browser (docs/lite.py), every notebook in JupyterLite, whose pinned downloads are kept in
# build/lite-cache/. The docs extra is all the site needs, from a fresh clone.
SITE := build/site
SPHINX := $(PY) -m sphinx -c docs -E -W --keep-going -q

$(VENV)/.docs: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[docs]"
	@touch $@

docs: $(VENV)/.docs
	rm -rf $(SITE)
	$(SPHINX) -b html . $(SITE)
	$(PY) docs/lite.py $(SITE)/lite
	$(PY) docs/check_links.py $(SITE)

# The links from the site to other sites, fetched: by hand, as it needs the network.
linkcheck: $(VENV)/.docs
	$(SPHINX) -b linkcheck . build/linkcheck

# The influence diagram the README shows.
diagram: $(VENV)/.demo
	$(VENV)/bin/autodiff draw "tanh(x1*w1 + x2*w2 + b)" \
	    --at x1=2,x2=0,w1=-3,w2=1,b=6.8813735870195432 --params w1,w2,b -o docs/neuron.svg

# JupyterLab on your copies of the notebooks, in course/ (not tracked: running and saving them
# leaves the repository as it is); it prints the address to open (LAB_ARGS: more options, such
# as LAB_ARGS="--no-browser --port 8899"). `make course` makes the copies (jupyter/course.py):
# a notebook is copied only where its copy is missing, so your changes stay; delete a copy to
# get it afresh.
COURSE := course

lab: course
	@echo "JupyterLab opens your copies of the notebooks, in $(COURSE)/ (notebooks/ stays as it is)"
	$(VENV)/bin/jupyter lab --notebook-dir=$(COURSE) $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

course: $(VENV)/.lab
	$(PY) jupyter/course.py $(COURSE)

# The site is built first, before the test tools are installed: on a fresh clone (CI), that is
# `make docs` with only what it installs. The browser test then opens the site, and the
# notebooks' test finds them executed (the test tools are not in their key: executed_notebooks).
test: $(VENV)/.docs
	$(MAKE) --no-print-directory docs
	$(MAKE) --no-print-directory $(VENV)/.test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -n 2 --dist loadgroup --hypothesis-seed=$(SEED)

# Mutation testing, by hand (not part of `make test`): how many small changes to the engine's
# core the fast tests notice, out of a sample of MUTANTS drawn by SEED (tests/mutation.py).
# The core: the files of the engine's reading path (value.py's docstring), and its checks.
MUTATE := autodiff/value.py autodiff/ops.py autodiff/primitives.py autodiff/backprop.py \
	autodiff/checks.py
MUTANTS ?= 120

mutation: $(VENV)/.test
	$(PY) tests/mutation.py --seed $(SEED) --mutants $(MUTANTS) $(MUTATE)

$(VENV)/.bench: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[bench]"
	@touch $@

bench: $(VENV)/.bench
	$(PY) benchmarks/engine.py
	$(PY) benchmarks/nn_training.py
	$(PY) benchmarks/compiled.py

# course/ holds your work in the notebooks: not removed.
clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis demo-output build
