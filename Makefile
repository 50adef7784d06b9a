# Developer entry points. Each target is one of the scripts CI runs, so what
# passes here passes there; see README "Building" and .ci/run.
PY ?= python3
OUT ?= /tmp/pyssl-dev

.PHONY: help build test asan ubsan refleak coverage conformance bench fuzz mingw lint format ft ci

help:
	@echo "make build        dev build of csrc/ into \$$OUT (-Werror); use PYTHONPATH=\$$OUT"
	@echo "make test         pyssl's pytest suite on that build"
	@echo "make asan         ASAN + UBSan: core-mode test_ssl and pytest (ci/asan.sh)"
	@echo "make ubsan        UBSan alone, asserts on (-O0, no ASAN preload): pytest"
	@echo "make refleak      debug CPython 3.13: regrtest -R over test_ssl, refleak loop"
	@echo "make coverage     C line coverage of pytest + core-mode test_ssl (gcov)"
	@echo "make conformance  CPython's test_ssl, stdlib vs core vs full, on 3.8-3.13"
	@echo "make bench        benchmarks/run.py, pyssl against the stdlib (-O2 build)"
	@echo "make fuzz         every fuzz target for a minute under ASAN+UBSan"
	@echo "make mingw        csrc/ compiles for Windows with mingw-w64 (-Werror)"
	@echo "make lint         version checks only in compat.h; clang-format and ruff clean"
	@echo "make format       rewrite csrc/ and the Python with clang-format and ruff"
	@echo "make ft           free-threaded 3.13t: GIL off, test_ssl, thread stress"
	@echo "make ci           the whole of .ci/run (35 min or more)"

build:
	$(PY) ci/devbuild.py $(OUT) --python $(PY)

test: build
	PYTHONPATH=$(OUT):src $(PY) -m pytest -q tests

asan:
	bash ci/asan.sh

ubsan:
	PYSSL_UBSAN=1 PYSSL_DEBUG=1 $(PY) ci/devbuild.py $(OUT)-ubsan --python $(PY)
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 PYTHONPATH=$(OUT)-ubsan $(PY) -m pytest -q tests

refleak:
	bash ci/refleak.sh

coverage:
	bash ci/coverage.sh

conformance:
	bash ci/build-all.sh && bash ci/conformance.sh --modes stdlib,core,full

bench:
	PYSSL_OPT=-O2 $(PY) ci/devbuild.py $(OUT)-O2 --python $(PY)
	PYTHONPATH=$(OUT)-O2:src $(PY) benchmarks/run.py

fuzz:
	bash ci/fuzz.sh

mingw:
	bash ci/mingw-check.sh

lint:
	bash ci/lint-c.sh && bash ci/format-check.sh

format:
	bash ci/format-check.sh --fix

ft:
	bash ci/ft-check.sh --gate

ci:
	.ci/run
