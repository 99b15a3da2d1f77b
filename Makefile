# Two commands do everything: `make verify` (the main job) and `make test` (the test suite).
# Each creates .venv with the Python found on PATH if it is missing and installs the project
# with its dependencies into it; nothing is installed outside .venv.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
OUT    ?= results/verify

.PHONY: verify test bench docs clean-cache install

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

verify: $(STAMP)
	$(BIN)/adaptopt verify --out $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest

# The full benchmark (10-12 min) plus `adaptopt verify` cold and warm (3-5 min); see benchmarks/README.md.
# torch (the optional [torch] extra) is installed into .venv for the torch.optim rows if it is missing.
bench: $(STAMP)
	@$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[torch]' \
		|| echo "bench: torch could not be installed; the torch.optim rows will be skipped"
	$(BIN)/python benchmarks/run.py --out results/bench --verify-budget

docs: $(STAMP)
	$(BIN)/adaptopt catalogue --out docs/checks.md

clean-cache: $(STAMP)
	$(BIN)/adaptopt cache clear
