# The two commands of the README:
#   make run    build Atrium and run it on examples/quickstart with demo backends
#   make test   install dependencies, build under ASan+UBSan and run every test,
#               then build the concurrency tests under TSan and run them
# Every target installs what it needs itself (scripts/install-deps.sh).

JOBS ?= $(shell nproc)
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
CMAKE_CONFIGURE = cmake -S . $(GENERATOR) -Wno-dev

.PHONY: deps build run test test-asan test-tsan bench bench-cluster load format tidy clean

deps:
	./scripts/install-deps.sh

build: deps
	$(CMAKE_CONFIGURE) -B build/release -DCMAKE_BUILD_TYPE=Release -DATRIUM_BUILD_TESTS=OFF
	cmake --build build/release -j $(JOBS) --target atrium atrium_demo_backend

run: build
	./scripts/run-quickstart.sh build/release

test: test-asan test-tsan

test-asan: deps
	$(CMAKE_CONFIGURE) -B build/asan -DCMAKE_BUILD_TYPE=Debug -DATRIUM_SANITIZE=address -DATRIUM_BUILD_BENCH=OFF
	cmake --build build/asan -j $(JOBS)
	cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

test-tsan: deps
	$(CMAKE_CONFIGURE) -B build/tsan -DCMAKE_BUILD_TYPE=Debug -DATRIUM_SANITIZE=thread -DATRIUM_BUILD_BENCH=OFF
	cmake --build build/tsan -j $(JOBS) --target concurrency_tests
	cd build/tsan && \
	  ctest --output-on-failure -L concurrency -j $(JOBS)

bench: deps
	$(CMAKE_CONFIGURE) -B build/release -DCMAKE_BUILD_TYPE=Release -DATRIUM_BUILD_TESTS=OFF
	cmake --build build/release -j $(JOBS)
	./build/release/bench/route_lookup_bench

# Cluster mode at scale (issue 3 targets): the test API server in process and
# the real atrium binary; 1,000 routes on one Gateway, then 5,000 routes in 50
# namespaces with 10,000 endpoints, both while 10 other routes change a second.
bench-cluster: deps
	$(CMAKE_CONFIGURE) -B build/bench-cluster -DCMAKE_BUILD_TYPE=Release -DATRIUM_BUILD_TESTS=ON -DATRIUM_BUILD_BENCH=ON
	cmake --build build/bench-cluster -j $(JOBS) --target cluster_scale_bench atrium
	./build/bench-cluster/bench/cluster_scale_bench --routes 1000 --namespaces 10 --changes 200 --endpoints 10000
	./build/bench-cluster/bench/cluster_scale_bench --routes 5000 --namespaces 50 --changes 200 --endpoints 10000

load: build
	./bench/load.sh build/release 50 10 3

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

# clang-tidy (.clang-tidy) over every source the release build compiles.
# Boost 1.74's Asio enables co_await for GCC only: clang-tidy is told that
# the standard coroutines are there, or it cannot parse the proxy.
tidy: build
	run-clang-tidy -quiet -p build/release -j $(JOBS) \
	  -extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT=1 -extra-arg=-DBOOST_ASIO_HAS_STD_COROUTINE=1 \
	  '^$(CURDIR)/(base|controller|proxy|tools)/'

clean:
	rm -rf build
