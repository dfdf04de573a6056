# Delta's front door: `make run` and `make test` (see README.md). CMake does the building; this file
# only names the steps. Every target is safe to repeat.
BUILD ?= build
FUZZ_BUILD ?= build-fuzz
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 20
CONFIG ?=

.PHONY: setup build run test lint unit integration fuzz bench format tidy clean

setup:
	./scripts/setup.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DDELTA_WERROR=ON

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: setup build
	$(BUILD)/src/app/delta run $(if $(CONFIG),-c $(CONFIG),)

# The fuzz run goes first so that ctest's summary is the last thing printed.
test: setup build
	$(MAKE) lint
	$(MAKE) fuzz
	ctest --test-dir $(BUILD) --output-on-failure -j 2 --timeout 600

unit: build
	ctest --test-dir $(BUILD) --output-on-failure -L unit

integration: build
	ctest --test-dir $(BUILD) --output-on-failure -L integration

$(FUZZ_BUILD)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DDELTA_FUZZ=ON -DDELTA_TESTS=ON -DDELTA_BENCH=OFF

fuzz: $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target ingest_fuzz expr_fuzz view_fuzz
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) ingest_fuzz
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) expr_fuzz
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) view_fuzz

bench: build
	bench/run.sh $(BUILD)

# Formatting is part of the test: a change clang-format would rewrite does not pass.
lint:
	clang-format --dry-run -Werror $$(git ls-files '*.cc' '*.h')

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

tidy: build
	clang-tidy -p $(BUILD) --quiet --extra-arg=-Wno-unknown-warning-option $$(git ls-files 'src/*.cc' | grep -v /tests/)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
