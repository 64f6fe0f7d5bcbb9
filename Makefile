# Hearth: a streaming cross-agency alert broker. See README.md.
#
#   make            build build/hearth (installs missing Debian packages first when root)
#   make test       unit, rule and end-to-end tests, then all again under ASan+UBSan
#   make demo       build and run the embedded demo
#   make bench      replay throughput and memory on a 100,000-family synthetic LA
#   make fuzz       run every libFuzzer target for FUZZ_SECONDS each
#   make format-check, make clean, make install (PREFIX=/usr/local)

BUILD   ?= build
SAN     ?=
CC      ?= cc
PREFIX  ?= /usr/local
FUZZ_SECONDS ?= 30

GEN     := $(BUILD)/gen
PROTOS  := $(wildcard schemas/hearth/v1/*.proto)
PB_C    := $(patsubst schemas/%.proto,$(GEN)/%.pb-c.c,$(PROTOS))
PB_H    := $(PB_C:.c=.h)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
INCS    := -I$(GEN) -Ibroker/common -Iconnectors -Irules/src -Ibroker/core -Ibroker/store \
           -Ibroker/replay -Ibroker/synth -Ibroker/kafka -Ibroker/config -Ibroker/link -Ibroker/archive -Ibroker/backtest -Ibroker/connect -Itests/unit
ifeq ($(SAN),1)
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
SANLD   := -fsanitize=address,undefined
else
OPT     ?= -O2 -g
SANLD   :=
endif
CFLAGS  += $(CSTD) $(WARN) $(OPT) $(INCS) -MMD -MP
LDLIBS  := -lrdkafka -luv -lprotobuf-c -llmdb -lssl -lcrypto -lpthread -lm
LDFLAGS += $(SANLD)

# The library: everything but the command-line front end.
LIB_SRC := $(wildcard broker/common/*.c connectors/*.c rules/src/*.c broker/core/*.c \
             broker/store/*.c broker/replay/*.c broker/synth/*.c broker/kafka/*.c broker/config/*.c \
             broker/link/*.c broker/archive/*.c broker/backtest/*.c broker/connect/*.c)
CLI_SRC := $(wildcard broker/cli/*.c)
LIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(PB_C:.c=.o)
CLI_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(CLI_SRC))
LIB     := $(BUILD)/libhearth.a
HEARTH  := $(BUILD)/hearth

TEST_SRC  := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))
TEST_OBJ  := $(BUILD)/obj/tests/unit/hr_test.o
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)

.PHONY: all deps test test-one check bench demo fuzz fuzz-build clean install format format-check
all: $(HEARTH)

deps:
	@./deploy/install-deps.sh

$(BUILD)/.deps-ok: deploy/install-deps.sh
	@./deploy/install-deps.sh
	@mkdir -p $(BUILD) && touch $@

$(GEN)/%.pb-c.c $(GEN)/%.pb-c.h: schemas/%.proto | $(BUILD)/.deps-ok
	@mkdir -p $(GEN)
	protoc-c --proto_path=schemas --c_out=$(GEN) $<

$(BUILD)/obj/%.o: %.c | $(BUILD)/.deps-ok $(PB_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# Generated code is not ours to lint: keep -Werror off it.
$(GEN)/%.pb-c.o: $(GEN)/%.pb-c.c $(PB_H)
	$(CC) $(CSTD) $(OPT) -I$(GEN) -w -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(HEARTH): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TEST_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(TEST_OBJ) $(LIB) $(LDLIBS)

tests-build: $(HEARTH) $(TEST_BINS)

# make test: the whole suite, plain then under ASan+UBSan; the last line is "N passed, N failed".
test: $(BUILD)/.deps-ok
	@$(MAKE) --no-print-directory tests-build
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 tests-build
	@tests/run.sh build build/asan

# TESTS=name make test-one: the tests whose name contains name, in $(BUILD) (default: build).
test-one: tests-build
	@tests/run.sh --only "$(TESTS)" $(BUILD)

bench: $(HEARTH) $(BUILD)/bench/kafka_bench
	@tests/bench/bench.sh $(BUILD)

$(BUILD)/bench/kafka_bench: $(BUILD)/obj/tests/bench/kafka_bench.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

demo: $(HEARTH)
	$(HEARTH) demo

fuzz-build: $(BUILD)/.deps-ok $(PB_H)
	@tests/fuzz/build.sh $(BUILD)/fuzz

fuzz: fuzz-build
	@tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS)

install: $(HEARTH)
	install -D -m 0755 $(HEARTH) $(DESTDIR)$(PREFIX)/bin/hearth
	install -D -m 0644 rules/packs/reference.rules $(DESTDIR)$(PREFIX)/share/hearth/rules/reference.rules

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(wildcard broker/*/*.h connectors/*.h rules/src/*.h tests/unit/*.[ch])

format-check:
	@clang-format --dry-run --Werror $(LIB_SRC) $(CLI_SRC) $(wildcard broker/*/*.h connectors/*.h rules/src/*.h)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# The binary finds the test oracle (hearth synth) in the source tree it was built from.
$(BUILD)/obj/broker/cli/main.o $(BUILD)/obj/broker/cli/demo.o: CFLAGS += -DHEARTH_SOURCE_DIR='"$(CURDIR)"'
