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

# libFuzzer on the scenario loader + a short engine run (tests/fuzz/fuzz_scenario.c).
# Needs clang. FUZZ_SECONDS=60 by default; crashes land in build-fuzz/ (keep them in tests/hostile/).
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
fuzz: deps
	@mkdir -p build-fuzz/corpus build-fuzz/artifacts
	$(FUZZ_CC) -std=c11 -D_POSIX_C_SOURCE=200809L -DIOMMULAB_VERSION=\"fuzz\" -g -O1 \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	  -Icore $$(pkg-config --cflags libcjson) tests/fuzz/fuzz_scenario.c core/*.c \
	  $$(pkg-config --libs libcjson) -o build-fuzz/fuzz_scenario
	cp scenarios/*.json build-fuzz/corpus/ 2>/dev/null || true
	cp lessons/*.json build-fuzz/corpus/ 2>/dev/null || true
	cd build-fuzz && ./fuzz_scenario -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=25 \
	  -rss_limit_mb=2048 -artifact_prefix=artifacts/ \
	  -dict=../tests/fuzz/scenario.dict corpus
