# Thin wrapper over CMake: install what is missing, build, run, test, bench.
# Every dependency is a Debian package, installed by name with apt-get.

DEB_PACKAGES := build-essential cmake pkg-config check libuv1-dev \
                libprotobuf-c-dev protobuf-c-compiler graphviz
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
JOBS ?= $(shell nproc)

.PHONY: all deps build build-asan run test bench clean

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
	@echo "heapd: serving in the foreground (Ctrl-C stops it). From another terminal:"
	@echo "  ./build/release/bin/heapctl ping"
	@echo "  ./build/release/bin/heapctl heap create demo"
	@echo "  ./build/release/bin/heapbench demo   # the talk's code, engine only"
	./build/release/bin/heapd

test: build build-asan
	ctest --preset release
	ctest --preset asan

bench: build
	./build/release/bin/heapbench gc --objects 1000000

clean:
	rm -rf build
