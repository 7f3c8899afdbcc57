# vmscope build. Shape follows libbpf-bootstrap / bcc libbpf-tools:
#   bpf/*.bpf.c  --clang -target bpf-->  .output/*.bpf.o  --bpftool gen skeleton-->  .output/*.skel.h
#   user/core/**.c  --cc (no libbpf, no bpf/ on the include path)-->  .output/libvmscope-core.a
#   user/**.c    --cc-->  .output/user/**.o  --link (core, static libbpf, -lelf -lz)-->  ./vmscope
# `make SANITIZE=1` builds an ASan/UBSan flavour into .output/san/ (binary .output/san/vmscope).
# `make STATIC=1` (or `make static`) builds a static vmscope and test helpers into .output/static/,
# for the initramfs of the kernel matrix (tools/kernel-matrix/).

OUTPUT_BASE := .output
STATICFLAGS :=
ifeq ($(SANITIZE),1)
OUTPUT := $(OUTPUT_BASE)/san
BIN := $(OUTPUT)/vmscope
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(STATIC),1)
OUTPUT := $(OUTPUT_BASE)/static
BIN := $(OUTPUT)/vmscope
SANFLAGS :=
STATICFLAGS := -static
else
OUTPUT := $(OUTPUT_BASE)
BIN := vmscope
SANFLAGS :=
endif

CC ?= cc
CLANG ?= clang
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' \
			-e 's/riscv64/riscv/' -e 's/s390x/s390/')
VMLINUX := vmlinux/$(ARCH)/vmlinux.h
V ?= 0
ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# libbpf is linked statically (as libbpf-tools do); libelf and zlib dynamically.
LIBBPF_A ?= $(firstword $(wildcard /usr/lib/$(shell $(CC) -print-multiarch 2>/dev/null)/libbpf.a /usr/lib64/libbpf.a /usr/lib/libbpf.a))
ifeq ($(LIBBPF_A),)
LIBBPF_LIB := -lbpf
else
LIBBPF_LIB := $(LIBBPF_A)
endif
LDLIBS := $(LIBBPF_LIB) -lelf -lz

CFLAGS ?= -g -O2
WARN := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror=implicit-function-declaration
BASE_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE $(SANFLAGS)
# libvmscope-core sees only itself: user/core, and a poison dir in front of the system headers
# whose <bpf/*.h> and <linux/bpf.h> stop the build (libbpf-dev is installed system-wide).
POISON := $(OUTPUT_BASE)/poison
POISON_HDRS := $(addprefix $(POISON)/,bpf/bpf.h bpf/libbpf.h bpf/btf.h bpf/bpf_helpers.h \
	bpf/bpf_tracing.h bpf/bpf_core_read.h bpf/libbpf_common.h bpf/skel_internal.h linux/bpf.h)
CORE_CFLAGS := $(BASE_CFLAGS) -I$(POISON) -Iuser/core
override CFLAGS += $(WARN) -std=gnu11 -D_GNU_SOURCE $(SANFLAGS) -Iuser -Iuser/core -I$(OUTPUT) -Ibpf
override LDFLAGS += $(SANFLAGS) $(STATICFLAGS)

# System include dirs for BPF compiles, so that asm/ headers resolve (libbpf-bootstrap does the same).
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS := -g -O2 -mcpu=v3 -Wall -Werror=implicit-function-declaration -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Ibpf $(CLANG_BPF_SYS_INCLUDES)

BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT_BASE)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))

CORE_SRCS := $(sort $(shell find user/core -name '*.c'))
CORE_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(CORE_SRCS))
LIBCORE := $(OUTPUT)/libvmscope-core.a
USER_SRCS := $(sort $(filter-out user/core/% user/windows/%,$(shell find user -name '*.c')))
# serve (libmicrohttpd, libcurl, protobuf-c) is left out of static builds (the kernel matrix's)
ifeq ($(STATIC),1)
USER_SRCS := $(filter-out user/serve/% user/cli/serve_cmd.c,$(USER_SRCS))
override CFLAGS += -DVMS_NO_SERVE
endif
USER_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(USER_SRCS))
LIB_OBJS := $(filter-out $(OUTPUT)/user/main.o,$(USER_OBJS))
LIBVMSCOPE := $(OUTPUT)/libvmscope.a

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
# test_core_*: link libvmscope-core alone (the proof that a port can); the rest link everything.
CORE_UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_core_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
HELPER_SRCS := $(sort $(filter-out tests/helpers/win_%.c,$(wildcard tests/helpers/*.c)))
HELPER_BINS := $(patsubst tests/helpers/%.c,$(OUTPUT)/tests/helpers/%,$(HELPER_SRCS))

.PHONY: all clean deps test test-unit test-e2e check-deps vmlinux tests-build bench helpers static test-kernels core
.PHONY: windows check-win-deps
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BIN)

$(BIN): $(USER_OBJS) $(LIBCORE)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# serve's libraries go into the vmscope binary only (not libvmscope.a's users, not the tests).
# libcurl and libmicrohttpd are not linked: serve dlopen's them when it pushes or listens
# (user/serve/lazy.c), so that no other command pays the loader for libcurl's ~30 libraries
# (their -dev packages give the headers). protobuf-c has no dependencies and costs nothing
# measurable at start: it stays linked. (dlopen is in glibc's libc since 2.34: no -ldl.)
# The OTLP protobuf code is generated at build time by protoc-c from the vendored
# opentelemetry-proto files; protoc-c 1.4 refuses proto3 `optional` (six histogram fields
# serve never sends; the wire format is the same), so it reads a copy without that keyword.
ifneq ($(STATIC),1)
OTLP_PROTO_DIR := third_party/opentelemetry-proto
OTLP_PROTOS := opentelemetry/proto/common/v1/common.proto opentelemetry/proto/resource/v1/resource.proto \
	opentelemetry/proto/metrics/v1/metrics.proto opentelemetry/proto/collector/metrics/v1/metrics_service.proto
OTLP_GEN := $(OUTPUT)/otlp
OTLP_PB_SRCS := $(patsubst %.proto,$(OTLP_GEN)/%.pb-c.c,$(OTLP_PROTOS))
OTLP_PB_OBJS := $(OTLP_PB_SRCS:.c=.o)
SERVE_LIBS := -lprotobuf-c
override CFLAGS += -I$(OTLP_GEN)

$(BIN): $(OTLP_PB_OBJS)
$(BIN): LDLIBS += $(SERVE_LIBS)
$(OUTPUT)/user/serve/otlp_pb.o: $(OTLP_PB_SRCS)

$(OTLP_PB_SRCS) &: $(addprefix $(OTLP_PROTO_DIR)/,$(OTLP_PROTOS))
	$(call msg,PROTOC-C,$(OTLP_GEN))
	$(Q)rm -rf $(OTLP_GEN) && mkdir -p $(OTLP_GEN)/src
	$(Q)cp -r $(OTLP_PROTO_DIR)/opentelemetry $(OTLP_GEN)/src/
	$(Q)sed -i 's/^\( *\)optional /\1/' $(OTLP_GEN)/src/opentelemetry/proto/metrics/v1/metrics.proto
	$(Q)protoc-c --c_out=$(OTLP_GEN) -I$(OTLP_GEN)/src $(OTLP_PROTOS)

$(OTLP_GEN)/%.pb-c.o: $(OTLP_GEN)/%.pb-c.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -w -c $< -o $@
endif

# The portable library: the region model, formats, classification, JSON (README "Layout").
core: $(LIBCORE)

$(LIBCORE): $(CORE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBVMSCOPE): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/user/core/%.o: user/core/%.c $(wildcard user/core/*.h user/core/*/*.h) $(POISON_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CORE_CFLAGS) -c $< -o $@

$(POISON_HDRS):
	$(Q)mkdir -p $(dir $@)
	$(Q)echo '#error "libvmscope-core must build without libbpf and BPF headers (Makefile: core)"' >$@

# Every user object may include a skeleton; rebuild all of them when any BPF source changes.
$(OUTPUT)/user/%.o: user/%.c $(SKELS) $(wildcard user/*.h user/*/*.h user/*/*/*.h bpf/*.h) | check-deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT_BASE)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(VMLINUX) | check-deps
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $(@:.bpf.o=.tmp.bpf.o)
	$(Q)$(BPFTOOL) gen object $@ $(@:.bpf.o=.tmp.bpf.o)

$(OUTPUT)/%.skel.h: $(OUTPUT_BASE)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(CORE_UNIT_BINS): $(OUTPUT)/tests/%: tests/unit/%.c $(LIBCORE) $(POISON_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(BASE_CFLAGS) -I$(POISON) -Iuser -Iuser/core $< $(LIBCORE) $(LDFLAGS) -lcmocka -o $@

$(filter-out $(CORE_UNIT_BINS),$(UNIT_BINS)): $(OUTPUT)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIBVMSCOPE) $(LIBCORE)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $< $(LIBVMSCOPE) $(LIBCORE) $(LDFLAGS) -lcmocka $(LDLIBS) -o $@

$(OUTPUT)/tests/helpers/%: tests/helpers/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -g -O1 -Wall -D_GNU_SOURCE $(STATICFLAGS) $< -o $@ -lpthread -lrt

check-deps:
	@for t in $(CLANG) $(BPFTOOL); do command -v $$t >/dev/null 2>&1 || [ -x $$t ] || \
		{ echo "missing build tool: $$t (run: make deps)" >&2; exit 1; }; done
	@[ -e /usr/include/bpf/libbpf.h ] || { echo "missing libbpf-dev (run: make deps)" >&2; exit 1; }

deps:
	tools/deps.sh

vmlinux:
	tools/gen_vmlinux_h.sh

tests-build: $(BIN) $(UNIT_BINS) $(HELPER_BINS)

helpers: $(HELPER_BINS)

# Static vmscope + helpers (.output/static/): what the kernel-matrix guests run.
static:
	$(Q)$(MAKE) --no-print-directory STATIC=1 all helpers

# The whole suite: unit tests, end-to-end tests against procps pmap, BPF feature tests.
# Prints one closing line "N passed, N failed".
test: tests-build
	$(Q)VMSCOPE=$(abspath $(BIN)) OUTPUT=$(abspath $(OUTPUT)) SANITIZE=$(SANITIZE) tests/run.sh

# The BPF tests on other kernels (Debian 6.1, 6.12, 6.18 and 7.3 by default, KMX_KERNELS to
# choose) under qemu: fetches the kernels into $$KMX_CACHE (/var/cache/vmscope-kmx), builds
# `make static` and an initramfs, boots each kernel. Non-zero when a kernel does not boot or a
# guest test fails.
test-kernels:
	$(Q)tools/kernel-matrix/run.sh

# Every speed and memory target against its competitors (bench/README.md); writes
# bench/results/latest.json. BENCH_QUICK=1 for a smoke run. bench/run.sh builds its C helper itself.
bench: all tests-build
	$(Q)VMSCOPE=$(abspath $(BIN)) OUTPUT=$(abspath $(OUTPUT)) bench/run.sh

# ---- Windows: `make windows` -> .output/windows/vmscope.exe (mingw-w64), never in `make` ----
# The core library compiled for Windows plus user/windows (the backend and its CLI); nothing of
# the Linux side but headers (backend/backend.h). Linked statically: the .exe needs no mingw DLL.
# tests/helpers/win_*.c are the Windows test helpers (tests/e2e/windows.sh runs them under wine).
WIN_CC ?= x86_64-w64-mingw32-gcc
WIN_OUT := $(OUTPUT_BASE)/windows
# mingw's C99 stdio (%zu, %llu) and POSIX's gmtime_r/localtime_r; gcc still checks printf formats
# against msvcrt's (no %zu): -Wno-format here, the Linux build checks them.
WIN_CFLAGS := -g -O2 $(WARN) -Wno-format -std=gnu11 -D_GNU_SOURCE -D__USE_MINGW_ANSI_STDIO=1 \
	-D_POSIX_THREAD_SAFE_FUNCTIONS -D_WIN32_WINNT=0x0602 -DPSAPI_VERSION=2
WIN_SRCS := $(sort $(wildcard user/windows/*.c))
WIN_OBJS := $(patsubst %.c,$(WIN_OUT)/%.o,$(CORE_SRCS) $(WIN_SRCS))
WIN_HELPERS := $(patsubst tests/helpers/%.c,$(WIN_OUT)/tests/helpers/%.exe,$(wildcard tests/helpers/win_*.c))
WIN_BACKEND_OBJS := $(filter-out $(WIN_OUT)/user/windows/main.o,$(WIN_OBJS))

windows: $(WIN_OUT)/vmscope.exe $(WIN_HELPERS)

# The helper that links the backend itself (it reads its own working set).
$(WIN_OUT)/tests/helpers/win_selfmap.exe: tests/helpers/win_selfmap.c $(WIN_BACKEND_OBJS) | check-win-deps
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(WIN_CC) $(WIN_CFLAGS) -Iuser -Iuser/core -static $^ -lpsapi -lntdll -o $@

$(WIN_OUT)/vmscope.exe: $(WIN_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(WIN_CC) -static $^ -lpsapi -lntdll -o $@

$(WIN_OUT)/user/core/%.o: user/core/%.c $(wildcard user/core/*.h user/core/*/*.h) $(POISON_HDRS) | check-win-deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(WIN_CC) $(WIN_CFLAGS) -I$(POISON) -Iuser/core -c $< -o $@

$(WIN_OUT)/user/windows/%.o: user/windows/%.c $(wildcard user/windows/*.h user/core/*.h user/core/*/*.h user/backend/*.h) | check-win-deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(WIN_CC) $(WIN_CFLAGS) -I$(POISON) -Iuser -Iuser/core -c $< -o $@

$(WIN_OUT)/tests/helpers/%.exe: tests/helpers/%.c | check-win-deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(WIN_CC) -g -O1 -Wall -D_WIN32_WINNT=0x0602 -static $< -lpsapi -o $@

check-win-deps:
	@command -v $(WIN_CC) >/dev/null 2>&1 || \
		{ echo "missing $(WIN_CC) (run: make deps; Debian: gcc-mingw-w64-x86-64)" >&2; exit 1; }

# `make install [PREFIX=/usr/local] [DESTDIR=staging]`: the binary and the man page.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
.PHONY: install uninstall
install: $(BIN)
	$(call msg,INSTALL,$(DESTDIR)$(BINDIR)/vmscope $(DESTDIR)$(MANDIR)/man1/vmscope.1)
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(Q)install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/vmscope
	$(Q)install -m 0644 vmscope.1 $(DESTDIR)$(MANDIR)/man1/vmscope.1

uninstall:
	$(Q)rm -f $(DESTDIR)$(BINDIR)/vmscope $(DESTDIR)$(MANDIR)/man1/vmscope.1

# ... and the systemd unit vmscope.service, which runs `vmscope start` (unless a model runs),
# then `vmscope serve`, and `vmscope stop` on exit.
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
.PHONY: install-service uninstall-service
install: install-service
uninstall: uninstall-service

install-service:
	@mkdir -p $(OUTPUT_BASE)
	$(Q)sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@UNITDIR@|$(SYSTEMD_UNIT_DIR)|g' \
		tools/systemd/vmscope.service.in >$(OUTPUT_BASE)/vmscope.service
	$(call msg,INSTALL,$(DESTDIR)$(SYSTEMD_UNIT_DIR)/vmscope.service)
	$(Q)install -D -m 0644 $(OUTPUT_BASE)/vmscope.service $(DESTDIR)$(SYSTEMD_UNIT_DIR)/vmscope.service

uninstall-service:
	$(Q)rm -f $(DESTDIR)$(SYSTEMD_UNIT_DIR)/vmscope.service

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT_BASE) vmscope
