# nlpcourse: `make lab` to learn, `make test` to prove. The first target run creates .venv.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
# Every distribution the course installs is pinned in constraints.txt (`make lock` regenerates it).
EXTRAS := dev,hub
CHAPTERS := $(notdir $(wildcard solutions/[0-9][0-9]_*))

# Course-local configuration: nothing in the user's home changes what the course does.
export PATH := $(BIN):$(PATH)
export JUPYTER_CONFIG_DIR := $(CURDIR)/.jupyter
export JUPYTERLAB_SETTINGS_DIR := $(CURDIR)/.jupyter/lab/user-settings
export JUPYTERLAB_WORKSPACES_DIR := $(CURDIR)/.jupyter/lab/workspaces
export JUPYTER_DATA_DIR := $(CURDIR)/.jupyter/data
export JUPYTER_RUNTIME_DIR := $(CURDIR)/.jupyter/runtime
export IPYTHONDIR := $(CURDIR)/.ipython
export MPLCONFIGDIR := $(CURDIR)/.cache/matplotlib
export NLPCOURSE_DATA := $(CURDIR)/.cache/nlpcourse
# Offline by default: models and datasets come from installed packages and local generators.
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# OpenMP threads sleep instead of spinning while they wait: on a shared 2-core laptop, spinning
# threads slow torch down 4-10x.
export OMP_WAIT_POLICY := PASSIVE

.PHONY: help install system-packages lock lab instructor test test-fast lint course release translations grade slides publish bench clean

help:
	@echo "make lab       open JupyterLab on notebooks/, students' profile (creates .venv on first use)"
	@echo "make lab EDITION=zh   the Chinese edition (notebooks/zh/), JupyterLab in Chinese"
	@echo "make instructor  open JupyterLab on the course folder with nbgrader's Formgrader"
	@echo "make test      run the whole test suite (units, notebooks, grading, browser)"
	@echo "make course    run every solutions/ notebook in full mode into build/executed/"
	@echo "make release   regenerate notebooks/ from solutions/ with nbgrader, and the Chinese edition notebooks/zh/"
	@echo "make translations   list Chinese translations that are missing or stale (translations/zh/)"
	@echo "make grade CHAPTER=05_attention SUBMISSIONS=path   autograde a class"
	@echo "make slides CHAPTER=05_attention [SOLUTIONS=1]   offline reveal.js slides from the student release"
	@echo "make publish DEST=../nlpcourse-student   write the student edition (no answers) to DEST"
	@echo "make lock      re-pin every dependency (constraints.txt, environment.yml, binder/)"
	@echo "make bench     run the benchmarks against their peers"

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -c constraints.txt -e '.[$(EXTRAS)]'
	@# jupyterlab-rise pulls in jupyterlab-mathjax3, a JupyterLab 3 bundle that Lab 4 marks incompatible
	@# (Lab 4 renders maths itself): drop the bundle; .jupyter/labconfig disables it where it remains.
	rm -rf $(VENV)/share/jupyter/labextensions/@jupyterlab/mathjax3-extension
	@rm -f $(VENV)/.installed-*
	@touch $@

# After adding a dependency to pyproject.toml: install it (pip keeps the versions already there) and
# re-pin everything into constraints.txt, environment.yml and binder/environment.yml.
lock:
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet -e '.[$(EXTRAS)]'
	$(VENV)/bin/python .ci/lock.py

# Bubblewrap (grading sandbox), Chromium (browser tests), configurable-http-proxy (JupyterHub test):
# installed when missing and possible (root or sudo), else one line saying what to install.
system-packages:
	@bash .ci/install-system-packages --quiet

ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

# `make lab EDITION=zh`: the Chinese edition, and JupyterLab's own menus in Chinese.
LAB_LOCALE := $(if $(filter zh,$(EDITION)),JUPYTERLAB_SETTINGS_DIR=$(CURDIR)/.jupyter/lab/user-settings-zh)

lab: $(STAMP)
	$(LAB_LOCALE) jupyter lab --ServerApp.root_dir=$(or $(LAB_ROOT),notebooks$(if $(EDITION),/$(EDITION))) $(ALLOW_ROOT) $(LAB_ARGS)

instructor: $(STAMP)
	JUPYTER_CONFIG_DIR=$(CURDIR)/.jupyter/instructor jupyter lab --ServerApp.root_dir=$(or $(LAB_ROOT),.) $(ALLOW_ROOT) $(LAB_ARGS)

# Two workers (pytest-xdist): notebook tests spread one by one, every other file stays on one worker
# (tests/conftest.py); the slowest tests are listed at the end.
test: system-packages $(STAMP)
	python -m pytest -ra -n 2 --dist loadscope --durations=25

test-fast: $(STAMP)
	python -m pytest -ra -m "not slow and not browser"

lint: $(STAMP)
	ruff check nlpcourse tests benchmarks .ci/lock.py
	ruff format --check nlpcourse tests benchmarks .ci/lock.py

course: $(STAMP)
	nlpcourse course $(CHAPTERS)

release: $(STAMP)
	@for chapter in $(CHAPTERS); do \
		nbgrader generate_assignment "$$chapter" --force --log-level=WARN || exit 1; \
	done
	nlpcourse edition zh
	@echo "released: $(CHAPTERS) (English in notebooks/, Chinese in notebooks/zh/)"

translations: $(STAMP)
	nlpcourse edition zh --check

grade: $(STAMP)
	@test -n "$(CHAPTER)" -a -n "$(SUBMISSIONS)" || { echo "usage: make grade CHAPTER=05_attention SUBMISSIONS=folder-or-zip"; exit 2; }
	nlpcourse grade $(CHAPTER) $(SUBMISSIONS)

slides: $(STAMP)
	@test -n "$(CHAPTER)" || { echo "usage: make slides CHAPTER=05_attention [SOLUTIONS=1]"; exit 2; }
	nlpcourse slides $(CHAPTER) $(if $(SOLUTIONS),--solutions)

publish: $(STAMP)
	@test -n "$(DEST)" || { echo "usage: make publish DEST=../nlpcourse-student"; exit 2; }
	nlpcourse publish $(DEST)

bench: $(STAMP)
	@mkdir -p build/bench; \
	for script in benchmarks/*.py; do \
		name=$$(basename $$script .py); echo "== $$script"; \
		python "$$script" $(BENCH_ARGS) 2>&1 | tee build/bench/$$name.log; \
		test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done; \
	echo; echo "== all benchmarks"; \
	for log in build/bench/*.log; do \
		printf '%-14s %s\n' "$$(basename $$log .log)" "$$(grep '^ratio: ' $$log | tail -n 1)"; \
	done

clean:
	rm -rf build .pytest_cache .ruff_cache gradebook.db
