# One task runner for the project; the README names these targets.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test test-slow lint typecheck format lock suites docs seal-seeds bench score-real clean

# uv installs the lock exactly (`uv pip sync`), in seconds where pip took minutes; uv itself
# is pinned in the lock. Should uv fail, pip installs the same lock.
UV_PIN := $(shell grep -i '^uv==' requirements.lock)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check $(UV_PIN)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock \
	  || $(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# The engine's C kernels (setup.py, optional: without a compiler the Python kernels run), built
# next to their source and rebuilt when it changes.
ENGINE_C := $(VENV)/.engine-built

$(ENGINE_C): $(STAMP) transforms/engine/_wordscan.c setup.py
	$(BIN)/python setup.py --quiet build_ext --inplace || echo "C kernels not built: the engine runs its Python kernels"
	touch $(ENGINE_C)

install: $(STAMP) $(ENGINE_C)  ## create .venv with exactly the locked versions (+ the engine's C kernels)

run: install  ## run the pipeline on the bundled sample into ./warehouse and print a summary
	$(BIN)/alliance run

lint: install
	$(BIN)/ruff check flows transforms tests scripts bench
	$(BIN)/ruff format --check flows transforms tests scripts bench

typecheck: install
	$(BIN)/mypy

test: install lint typecheck  ## lint, type-check and run the tests but the slow ones (make test-slow)
	$(BIN)/pytest -m "not slow"

test-slow: install  ## the slow tests: runs through Prefect, kill -9, the scheduler, object stores
	$(BIN)/pytest -m slow

format: install
	$(BIN)/ruff format flows transforms tests scripts bench
	$(BIN)/ruff check --fix flows transforms tests scripts bench

lock:  ## re-resolve pyproject.toml into requirements.lock (in a scratch venv)
	rm -rf /tmp/alliance-lock && $(PYTHON) -m venv /tmp/alliance-lock
	/tmp/alliance-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/alliance-lock/bin/pip freeze --exclude-editable > requirements.lock

suites: install  ## regenerate expectations/*.json from transforms/schema.py
	$(BIN)/python scripts/build_suites.py

docs: install  ## regenerate docs/data-dictionary.md from transforms/schema.py
	$(BIN)/python scripts/build_docs.py

seal-seeds: install  ## record seed checksums after a reviewed change (BUMP=taxonomy to bump)
	$(BIN)/python scripts/seal_seeds.py $(if $(BUMP),--bump $(BUMP),)

score-real: install  ## score on the real articles of ../shared/realdev (ALLIANCE_REALDEV=...), with misses
	$(BIN)/python scripts/score_real.py --misses

bench: install  ## benchmark N=100,000 and N=10,000 (BENCH_ARGS="--n 20000 --small 2000" for less)
	$(BIN)/python bench/run_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build transforms/engine/*.so warehouse .pytest_cache .mypy_cache .ruff_cache
