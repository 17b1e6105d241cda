# Thin wrapper over CMake. `make run` opens lesson 1; `make test` runs every test.
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test asan bench fuzz clean

all: build

deps:
	@bash .ci/deps

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

configure: $(BUILD)/CMakeCache.txt

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@./$(BUILD)/iommulab lesson 1

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan:
	@bash .ci/deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DIOMMULAB_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && SDL_VIDEODRIVER=dummy ASAN_OPTIONS=detect_leaks=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

bench: deps
	cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build build-bench -j $(JOBS) --target iommulab_bench
	./build-bench/tests/iommulab_bench

clean:
	rm -rf $(BUILD) build-asan build-bench build-fuzz
