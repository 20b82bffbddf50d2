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

test: install
	HF_HUB_OFFLINE=1 $(PY) -m pytest $(PYTEST_ARGS)

# the PostgreSQL half alone, on a throwaway local server (installed and started if needed)
test-postgres: install
	bash -c 'source .ci/postgres.sh && start_postgres && HF_HUB_OFFLINE=1 $(PY) -m pytest -m postgres $(PYTEST_ARGS)'

check: install
	$(VENV)/bin/ruff format --check bot jobs tests bench
	$(VENV)/bin/ruff check bot jobs tests bench

fmt: install
	$(VENV)/bin/ruff format bot jobs tests bench
	$(VENV)/bin/ruff check --fix bot jobs tests bench

bench: install
	HF_HUB_OFFLINE=1 $(PY) -m bench.run

clean:
	rm -rf $(VENV) data build *.egg-info .pytest_cache .ruff_cache
