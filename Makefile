# Every target sets up its own virtual environment, so each works on a fresh machine.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo check test fuzz soak bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[torch,cluster,bench,dev]'
	touch $(STAMP)

demo: $(STAMP)  ## compress and decompress the bundled enwik5 sample, next to gzip, bzip2 and xz
	$(PY) -m rnnzip bench --codecs rnnzip,gzip,bzip2,xz

check: $(STAMP)  ## the gate: lint, format and type checks
	$(VENV)/bin/ruff check src tests benchmarks prior
	$(VENV)/bin/ruff format --check src tests benchmarks prior
	$(VENV)/bin/mypy

test: check  ## the gate, then the test suite (what CI runs)
	$(PY) -m pytest -q

fuzz: $(STAMP)  ## the fuzz test's long profile, then atheris for MINUTES: make fuzz EXAMPLES=20000 MINUTES=30
	RNNZIP_FUZZ_EXAMPLES=$${EXAMPLES:-5000} $(PY) -m pytest -q tests/test_fuzz.py
	$(PY) -m pip install -q atheris && mkdir -p .fuzz-corpus && cp tests/data/*.rnz .fuzz-corpus/ && \
	  $(PY) tests/fuzz_atheris.py -max_total_time=$$(( $${MINUTES:-5} * 60 )) .fuzz-corpus

soak: $(STAMP)  ## round-trip the whole corpus at levels 1, 6, 9 and every network (--quick: hours -> minutes)
	$(PY) benchmarks/soak.py --quick | tee benchmarks/results/soak.md

bench: $(STAMP)  ## regenerate the committed benchmark results (long)
	benchmarks/run.sh

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
