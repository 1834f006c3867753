# Thin wrapper over CMake: install what is missing, build, run, test, bench.
# Every dependency is a Debian package, installed by name with apt-get.

DEB_PACKAGES := build-essential cmake pkg-config check libuv1-dev \
                libprotobuf-c-dev protobuf-c-compiler graphviz \
                clang libclang-rt-14-dev libreadline-dev
# What `make bench` compares against (CPython comes from pyenv).
BENCH_PACKAGES := redis-server redis-tools
# Requests per `heapbench rpc` run: P=16 runs need more to last seconds.
BENCH_RPC_P1 ?= 1000000
BENCH_RPC_P16 ?= 5000000
HEAPBENCH := ./build/release/bin/heapbench
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
JOBS ?= $(shell nproc)

.PHONY: all deps bench-deps build build-asan build-fuzz run test bench clean

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

build-asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

run: build
	@echo "heapctl: a Python prompt on a fresh heap (it starts a heapd in the"
	@echo "background if none answers; Ctrl-D leaves).  Scripts: heapctl run FILE.py"
	./build/release/bin/heapctl repl

build-fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)

# Release and ASan+UBSan builds run every test; the fuzz build runs the
# libFuzzer target for 60 s over the frame decoder and dispatcher.
test: build build-asan build-fuzz
	ctest --preset release
	ctest --preset asan
	ctest --preset fuzz

# The packages the benchmarks need, installed exactly as `deps` installs.
bench-deps:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(BENCH_PACKAGES)"

# Every benchmark of docs/bench.md; each prints its result as its last line.
bench: build bench-deps
	$(HEAPBENCH) gc --objects 1000000
	$(HEAPBENCH) rpc --clients 50 --requests $(BENCH_RPC_P1) --pipeline 1
	$(HEAPBENCH) rpc --clients 50 --requests $(BENCH_RPC_P16) --pipeline 16
	$(HEAPBENCH) isolation --objects 5000000

clean:
	rm -rf build
