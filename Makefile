# paperboy — two commands on a fresh machine: `make demo` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TORCH  ?= torch==2.13.0
PYTEST_ARGS ?=
SHELL  := /bin/bash
# pip repeats one harmless line per package when a configured local index folder is absent
PIP_QUIET := 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }

.PHONY: install demo test test-postgres check fmt bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	# torch first, pinned: a CPU wheel here; unpinned, pip would pull a multi-GB CUDA build
	set -o pipefail; $(PY) -m pip install --quiet --disable-pip-version-check $(TORCH) $(PIP_QUIET)
	set -o pipefail; $(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]' $(PIP_QUIET)
	touch $(STAMP)

install: $(STAMP)

demo: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/paperboy demo

# `run_pytest [args]`: pytest, offline; exit 5 (nothing collected) fails with a message
RUN_PYTEST = run_pytest() { HF_HUB_OFFLINE=1 $(PY) -m pytest "$$@"; local rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make: pytest collected no tests$${PAPERBOY_TEST_DATABASE:+ ($$PAPERBOY_TEST_DATABASE pass)} — failing, a green run must test something" >&2; fi; \
	return $$rc; }

# the suite on SQLite, then (when PAPERBOY_TEST_POSTGRES_URL is set, e.g. by
# `source .ci/postgres.sh && start_postgres`) again with every test on a fresh PostgreSQL database
test: install
	@$(RUN_PYTEST); \
	if [ -z "$${PAPERBOY_TEST_POSTGRES_URL:-}" ]; then \
	    run_pytest $(PYTEST_ARGS) || exit; \
	    echo "make test: PostgreSQL pass skipped: PAPERBOY_TEST_POSTGRES_URL is not set (make test-postgres runs it)"; \
	    exit 0; \
	fi; \
	echo "make test: SQLite pass"; \
	PAPERBOY_TEST_DATABASE=sqlite run_pytest $(PYTEST_ARGS); sqlite=$$?; \
	echo "make test: PostgreSQL pass"; \
	PAPERBOY_TEST_DATABASE=postgresql run_pytest $(PYTEST_ARGS); postgres=$$?; \
	echo "make test: SQLite pass exit $$sqlite, PostgreSQL pass exit $$postgres"; \
	[ $$sqlite -eq 0 ] && [ $$postgres -eq 0 ]

# the PostgreSQL pass alone, on a throwaway local server (installed and started if needed)
test-postgres: install
	@$(RUN_PYTEST); \
	source .ci/postgres.sh && start_postgres && \
	PAPERBOY_TEST_DATABASE=postgresql run_pytest $(PYTEST_ARGS)

check: install
	$(VENV)/bin/ruff format --check bot jobs cli tests bench
	$(VENV)/bin/ruff check bot jobs cli tests bench

fmt: install
	$(VENV)/bin/ruff format bot jobs cli tests bench
	$(VENV)/bin/ruff check --fix bot jobs cli tests bench

bench: install
	HF_HUB_OFFLINE=1 $(PY) -m bench.run

clean:
	rm -rf $(VENV) data build *.egg-info .pytest_cache .ruff_cache
