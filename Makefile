# The two commands a fresh clone needs: `make report` (the main job) and `make test`.
# Each builds .venv on first use from constraints.txt (the pins CI uses too) and
# reinstalls nothing on later runs unless pyproject.toml or constraints.txt changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test test-slow test-thorough nightly report bench soundness lint clean browser looseness mutation

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[oracles,crosscheck,test]'
	touch $(STAMP)

# Chromium for the HTML report's browser test (tests/crosscheck/report/test_browser.py),
# from the distribution's packages, when no Chromium or Chrome is on the PATH: with apt-get
# as root (CI's Debian machine), or through password-less sudo. Otherwise it says so and
# goes on: the browser test then skips, except in CI (CI set), where it fails.
BROWSERS := chromium chromium-browser google-chrome google-chrome-stable
browser:
	@for b in $(BROWSERS); do command -v $$b >/dev/null 2>&1 && exit 0; done; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "make browser: no Chromium and no apt-get: install Chromium by hand" >&2; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
	  echo "make browser: no Chromium, and apt-get needs root: apt-get install chromium" >&2; \
	fi

# REQUIRE_ORACLES=1: a test whose oracle (torch, jax, mpmath) or optional package cannot
# be imported fails instead of skipping (tests/support/required.py), so a broken install
# is never a green run of skips. Unset it by hand (make test REQUIRE_ORACLES=) to skip.
REQUIRE_ORACLES ?= 1
export REQUIRE_ORACLES

# --dist worksteal: an idle worker takes tests queued on the other (with the default the
# thorough profile left one worker idle for most of the run: the long gate properties and
# the rest of the files sat on the other).
test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist worksteal --hypothesis-profile=ci -m "not slow"

test-slow: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist worksteal --hypothesis-profile=ci -m slow

# The nightly job (.github/workflows/nightly.yml, docs/testing.md): the gate with 1,000
# examples per property, not derandomised, from a seed that changes every day (the date,
# unless NIGHTLY_SEED is given: `make nightly NIGHTLY_SEED=20261202` replays a night).
NIGHTLY_SEED ?= $(shell date -u +%Y%m%d)
nightly: $(STAMP)
	@echo "make nightly: --hypothesis-seed=$(NIGHTLY_SEED)"
	$(BIN)/python -m pytest -n 2 --dist worksteal --hypothesis-profile=nightly \
	  --hypothesis-seed=$(NIGHTLY_SEED) -m "not slow" tests/test_gate.py

test-thorough: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 --dist worksteal --hypothesis-profile=thorough -m "not slow"

# The committed reports/: the training trajectories first (the report summarises them),
# then the gradient report (the last run: 148 s + 366 s on 2 shared cores; README). The
# baseline changes only on purpose:
# `$(BIN)/crosscheck check --baseline reports/baseline.json --update-baseline`.
report: $(STAMP)
	$(BIN)/crosscheck trajectory
	$(BIN)/crosscheck report

# handprop against torch and jax, and the gate's throughput: reports/benchmarks.{md,json,png}
# (a few minutes). OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE (set here for old OpenBLAS builds)
# halve numpy's matmul speed, so this command alone runs without them.
bench: $(STAMP)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/crosscheck bench

# How much looser the error budget may get before the suite notices: the gate, the
# calibration, the mutants' and verify's tests with K x 1 ... 1000 (docs/looseness.py; a
# few minutes per factor). The table is in docs/error-budget.md.
looseness: $(STAMP)
	PYTHONPATH=. $(BIN)/python docs/looseness.py

# Mutation testing of handprop and crosscheck's judging core (docs/mutation.md), on
# demand only: mutmut (the `mutation` extra) copies the tree into mutants/ and runs, for
# each mutant, the tests that reach the mutated function ([tool.mutmut] in pyproject.toml:
# the tests of handprop and of budget/compare/judge, ci Hypothesis profile, -x). Niced, one
# pattern at a time (handprop first, the smaller); results are kept in mutants/ and a
# second run only tests what changed. `make mutation MUTATION_TARGETS='handprop.costs.*'`
# narrows it; `$(BIN)/mutmut show NAME` prints one mutant's diff.
MUTATION_TARGETS ?= handprop.* crosscheck.budget.* crosscheck.compare.* crosscheck.judge.*
MUTATION_JOBS ?= 2
MUTATION_STAMP := $(VENV)/.installed-mutation

$(MUTATION_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[oracles,crosscheck,test,mutation]'
	touch $(MUTATION_STAMP)

mutation: $(MUTATION_STAMP)
	set -f; for target in $(MUTATION_TARGETS); do \
	  nice -n 10 $(BIN)/mutmut run --max-children $(MUTATION_JOBS) "$$target" || exit 1; \
	done
	$(BIN)/mutmut export-cicd-stats
	$(BIN)/mutmut results

# The budget's soundness and power (reports/soundness.{md,json}; docs/error-budget.md):
# 100,000 gate problems, 100 large ones and the deep nets' power, hours of one machine.
# The committed file was run in chunks of 5,000 (`--gate 5000 --seed K --large 0
# --no-targets`, K = 0, 5000, ...) and the large sweep, combined with `--merge`.
soundness: $(STAMP)
	$(BIN)/crosscheck soundness

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .cache build *.egg-info mutants
