# runbook — a runbook interpreter for incident response.
#
#   make            build ./runbook (installs missing build dependencies first)
#   make check      build and run the whole test suite
#   make asan       build with AddressSanitizer + UBSan into build-asan/ and run the suite
#   make fuzz       libFuzzer on the shell context of interpolations (FUZZ_TIME=30 seconds)
#   make demo       the unattended drill of a shipped playbook
#   make check-long the suite with the robustness loops at their full count
#   make install    PREFIX=/usr/local DESTDIR= (binary, stdlib, man pages, completion,
#                   editor files); make uninstall removes them again

PREFIX   ?= /usr/local
BUILD    ?= build
CC       ?= cc
CFLAGS   ?= -O2 -g
PKGS      = libcurl sqlite3 jansson readline
WARN      = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Werror
# flex and bison output is not ours to keep warning-clean under every flag.
GENWARN   = -Wall -Werror -Wno-unused-function -Wno-sign-compare -Wno-unused-parameter
STDLIBDIR = $(PREFIX)/share/runbook/stdlib

# The compiler and linker flags of the libraries are asked of pkg-config only once the
# dependencies are installed: $(BUILD)/flags.mk is made after tools/deps.sh has run, and
# make reads it and starts over (GNU make remakes included makefiles first).  Reading them
# when the Makefile is parsed would leave -ljansson out of the first build on a fresh
# machine.  Goals that build nothing do not trigger it.
NOBUILD_GOALS = clean uninstall deps deps-test
ifneq ($(if $(MAKECMDGOALS),$(filter-out $(NOBUILD_GOALS),$(MAKECMDGOALS)),all),)
include $(BUILD)/flags.mk
endif

CPPFLAGS_ALL = -std=c11 -D_GNU_SOURCE -Iinclude -Igrammar -I$(BUILD) $(PKG_CFLAGS) \
               -DRUNBOOK_STDLIB_DIR='"$(STDLIBDIR)"' -DRUNBOOK_SRC_DIR='"$(CURDIR)"' -MMD -MP
LDLIBS_ALL   = $(filter-out -lcurl -lreadline,$(PKG_LIBS)) -lm -ldl   # libcurl, readline: dlopen (http.c, rl.c)

SRCS   = $(wildcard interp/*.c)
OBJS   = $(SRCS:interp/%.c=$(BUILD)/%.o) $(BUILD)/lexer.o $(BUILD)/parser.o
STDLIB = $(sort $(wildcard stdlib/*.rb))
DEPS_OK = $(BUILD)/.deps-ok

.PHONY: all check check-long asan demo install uninstall clean deps deps-test fuzz bench FORCE
.DELETE_ON_ERROR:

all: runbook

runbook: $(BUILD)/runbook
	cp $< $@.tmp && mv -f $@.tmp $@

deps: $(DEPS_OK)
$(DEPS_OK): tools/deps.sh
	@mkdir -p $(BUILD)
	@sh tools/deps.sh build
	@touch $@

$(BUILD)/flags.mk: $(DEPS_OK) Makefile
	@c=$$(pkg-config --cflags $(PKGS)) && l=$$(pkg-config --libs $(PKGS)) \
	    || { echo "runbook: pkg-config does not know all of: $(PKGS)" >&2; exit 1; }; \
	printf 'PKG_CFLAGS := %s\nPKG_LIBS := %s\n' "$$c" "$$l" >$@

# What `make check` and `make demo` call besides ./runbook (tools/deps.sh test|demo).
deps-test: $(BUILD)/.deps-test-ok
$(BUILD)/.deps-test-ok: tools/deps.sh
	@mkdir -p $(BUILD)
	@sh tools/deps.sh test
	@touch $@
$(BUILD)/.deps-demo-ok: tools/deps.sh
	@mkdir -p $(BUILD)
	@sh tools/deps.sh demo
	@touch $@

$(BUILD)/runbook: $(OBJS)
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS_ALL)

# One bison (flex) run makes both files: a grouped target, or make -j runs it twice at once.
$(BUILD)/parser.c $(BUILD)/parser.h &: grammar/parser.y | $(DEPS_OK)
	bison -Wall -Werror --defines=$(BUILD)/parser.h -o $(BUILD)/parser.c $<

$(BUILD)/lexer.c $(BUILD)/lexer.h &: grammar/lexer.l | $(DEPS_OK)
	flex --header-file=$(BUILD)/lexer.h -o $(BUILD)/lexer.c $<

$(BUILD)/stdlib.inc: $(STDLIB) tools/embed.sh | $(DEPS_OK)
	sh tools/embed.sh $@ $(STDLIB)

$(BUILD)/lexer.o: $(BUILD)/lexer.c $(BUILD)/parser.h
	$(CC) $(CPPFLAGS_ALL) $(GENWARN) $(CFLAGS) $(EXTRA_CFLAGS) -c -o $@ $<

$(BUILD)/parser.o: $(BUILD)/parser.c $(BUILD)/lexer.h
	$(CC) $(CPPFLAGS_ALL) $(GENWARN) $(CFLAGS) $(EXTRA_CFLAGS) -c -o $@ $<

# Every object may include the generated headers and the embedded stdlib.
$(BUILD)/%.o: interp/%.c $(BUILD)/parser.h $(BUILD)/lexer.h $(BUILD)/stdlib.inc | $(DEPS_OK)
	$(CC) $(CPPFLAGS_ALL) $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -c -o $@ $<

UNIT_SRCS = $(wildcard tests/unit/*.c)
UNIT_OBJS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit-%.o)
$(BUILD)/unit-%.o: tests/unit/%.c $(BUILD)/parser.h | $(DEPS_OK)
	$(CC) $(CPPFLAGS_ALL) -Itests/unit $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -c -o $@ $<

$(BUILD)/unit: $(UNIT_OBJS) $(filter-out $(BUILD)/main.o,$(OBJS))
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/mutate: tests/tools/mutate.c | $(DEPS_OK)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -o $@ $<

TESTENV = RUNBOOK=$(CURDIR)/runbook MUTATE=$(CURDIR)/$(BUILD)/mutate UNIT=$(CURDIR)/$(BUILD)/unit

# The suite runs its scripts in parallel (tests/run.sh: twice the cores, at least 4; JOBS=N to
# choose).  check-long runs the robustness loops at their full count (LONG=1).
check: runbook $(BUILD)/mutate $(BUILD)/unit $(BUILD)/.deps-test-ok
	$(TESTENV) sh tests/run.sh

check-long: runbook $(BUILD)/mutate $(BUILD)/unit $(BUILD)/.deps-test-ok
	LONG=1 $(TESTENV) sh tests/run.sh

asan: $(BUILD)/.deps-test-ok | $(DEPS_OK)
	$(MAKE) BUILD=build-asan CFLAGS='-O1 -g -fno-omit-frame-pointer' \
	    EXTRA_CFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all' build-asan/runbook build-asan/mutate build-asan/unit
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	    RUNBOOK=$(CURDIR)/build-asan/runbook MUTATE=$(CURDIR)/build-asan/mutate \
	    UNIT=$(CURDIR)/build-asan/unit sh tests/run.sh

demo: runbook $(BUILD)/.deps-demo-ok
	sh tools/demo.sh ./runbook

# Where `make install` puts things (DESTDIR is prepended to each, for packaging).
BINDIR    = $(PREFIX)/bin
MANDIR    = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  = $(PREFIX)/share/zsh/site-functions
VIMDIR    = $(PREFIX)/share/vim/vimfiles
EDITORDIR = $(PREFIX)/share/runbook/editors
INSTALLED = $(BINDIR)/runbook $(addprefix $(STDLIBDIR)/,$(notdir $(STDLIB))) \
            $(MANDIR)/man1/runbook.1 $(MANDIR)/man5/runbook.5 \
            $(BASHCOMPDIR)/runbook $(ZSHCOMPDIR)/_runbook \
            $(VIMDIR)/syntax/runbook.vim $(VIMDIR)/ftdetect/runbook.vim \
            $(EDITORDIR)/runbook.tmLanguage.json

# BIN: the binary to install (tests/t-install.sh installs the one under test).
BIN = runbook
install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(STDLIBDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
	    $(DESTDIR)$(VIMDIR)/syntax $(DESTDIR)$(VIMDIR)/ftdetect $(DESTDIR)$(EDITORDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/runbook
	install -m 644 $(STDLIB) $(DESTDIR)$(STDLIBDIR)
	install -m 644 docs/runbook.1 $(DESTDIR)$(MANDIR)/man1/runbook.1
	install -m 644 docs/runbook.5 $(DESTDIR)$(MANDIR)/man5/runbook.5
	install -m 644 editors/bash/runbook $(DESTDIR)$(BASHCOMPDIR)/runbook
	install -m 644 editors/zsh/_runbook $(DESTDIR)$(ZSHCOMPDIR)/_runbook
	install -m 644 editors/vim/syntax/runbook.vim $(DESTDIR)$(VIMDIR)/syntax/runbook.vim
	install -m 644 editors/vim/ftdetect/runbook.vim $(DESTDIR)$(VIMDIR)/ftdetect/runbook.vim
	install -m 644 editors/runbook.tmLanguage.json $(DESTDIR)$(EDITORDIR)/runbook.tmLanguage.json

# Removes exactly what install put there, then the directories of ours that are left empty.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	rmdir $(DESTDIR)$(STDLIBDIR) $(DESTDIR)$(EDITORDIR) $(DESTDIR)$(PREFIX)/share/runbook 2>/dev/null || true

# The stdlib directory is compiled in: a new PREFIX rebuilds module.o.
$(BUILD)/module.o: $(BUILD)/prefix
$(BUILD)/prefix: FORCE | $(DEPS_OK)
	@echo '$(STDLIBDIR)' | cmp -s - $@ || echo '$(STDLIBDIR)' >$@
FORCE:

clean:
	rm -rf build build-asan runbook

-include $(wildcard $(BUILD)/*.d)

# libFuzzer target for the shell context of interpolations (fuzz/fuzz_shctx.c); needs clang's
# fuzzer runtime, else it says so and does nothing.  FUZZ_TIME seconds of fuzzing.
FUZZ_TIME ?= 30
fuzz: | $(DEPS_OK)
	@if echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}' | \
	    clang -fsanitize=fuzzer -x c - -o $(BUILD)/.fuzz-probe 2>/dev/null; then \
	    clang -std=c11 -D_GNU_SOURCE -Iinclude -g -O1 -fsanitize=fuzzer,address,undefined \
	        -o $(BUILD)/fuzz_shctx fuzz/fuzz_shctx.c interp/shctx.c interp/util.c && \
	    mkdir -p $(BUILD)/fuzz-corpus && \
	    $(BUILD)/fuzz_shctx -max_total_time=$(FUZZ_TIME) -print_final_stats=1 $(BUILD)/fuzz-corpus fuzz/corpus/shctx; \
	else echo "make fuzz: clang's libFuzzer runtime is missing; nothing fuzzed"; fi

# Benchmarks against the physical limits (not part of check): bench/run.sh;
# bench/compare.sh A.json B.json shows two results side by side.
bench: runbook $(BUILD)/bench/timeit $(BUILD)/bench/sqlbase
	RUNBOOK=$(CURDIR)/runbook BENCH_DIR=$(CURDIR)/$(BUILD)/bench sh bench/run.sh
$(BUILD)/bench/%: bench/%.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) -O2 $(PKG_CFLAGS) -o $@ $< -lsqlite3
