# Kindred: `make run` for the demo, `make test` for the suite, `make bench` for figures.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
ONLY ?=
# make run DEMO=0: a new ecosystem without the demo (docs/first-hour.md).
DEMO ?= 1
PYTEST_ARGS ?=
# Test processes: pytest-xdist workers (`auto` = one per core; 0 = no xdist).
WORKERS ?= auto
export PORT

.PHONY: run test test-fast bench screenshots install lint typecheck clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

run: install
	@KINDRED_DEMO=$(DEMO) bash scripts/run.sh

test: install
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -n $(WORKERS) --dist loadgroup $(PYTEST_ARGS)

test-fast: install
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -m "not browser"

bench: install
	$(BIN)/python -m benchmarks $(ONLY)

# Retake the guides' screenshots (docs/screenshots/) from the browser tests.
screenshots: install
	KINDRED_SCREENSHOTS=1 DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -q -p no:randomly tests/browser/test_journey.py tests/browser/test_guide_screenshots.py tests/browser/test_launch_flow.py tests/browser/test_home_roles_flow.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: install
	KINDRED_DEBUG=1 $(BIN)/mypy kindred

clean:
	rm -rf $(VENV) var
