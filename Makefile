# Two commands for a newcomer: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-containers lint pytest bench setup clean lock

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@sh tools/ensure_chromium.sh
	@sh tools/ensure_libreoffice.sh
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m shared.devserver

test: $(STAMP) lint pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy shared services tools tests bench

# One worker per core (pytest-xdist), work stealing to even out the long cases. More workers
# than cores starve the cases that start services and wait for them within a bound (tried: 4 on
# 2 cores). The tests marked `waits` (minutes on the wall clock, little on a core) run beside
# the workers in a lane of their own (tools/testlanes.py). PYTEST_WORKERS=0 runs the suite in
# one process (for a debugger or -s).
PYTEST_WORKERS ?= auto
pytest: $(STAMP)
	$(BIN)/python -m tools.testlanes $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The deployment built and run in containers (tests/containers/, deploy/OPERATIONS.md §12):
# an engine (the reachable one, else our own dockerd, installed if needed), base images
# (official if present, else built from Debian's packages), the four service images, the
# whole compose stack. Not part of `make test`; CI runs it after.
test-containers: $(STAMP)
	DANVAN_CONTAINER_TESTS=1 $(BIN)/python -m pytest -p no:cacheprovider -v -s --timeout 1500 \
		tests/containers $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^danvan' > constraints.txt

clean:
	rm -rf $(VENV) var
