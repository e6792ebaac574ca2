/* test_guest.c - host unit tests of what kiln run recognises besides the
 * serial verdict (tools/kiln/run/guest.c): what a target file is, a reset
 * in QEMU's -d cpu_reset log, firmware without a boot device, the screen
 * control dropped from the terminal; and the QEMU arguments and verdicts
 * that go with them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/rc_fixture.h"
#include "tests/unit/testlib.h"
#include "tools/kiln/run/guest.h"
#include "tools/kiln/run/qemu.h"
#include "tools/kiln/run/watch.h"

/* --- the target ------------------------------------------------------------------ */

static enum target_kind identify(const void *data, size_t n, const char *name, const char **what) {
    return target_identify(data, n, name, what);
}

TEST(targets_named) {
    static uint8_t buf[40000];
    const char *what;
    memcpy(buf, "\x7f" "ELF\x02\x01\x01", 7);
    CHECK(identify(buf, 64, "k.elf", &what) == TARGET_ELF, "ELF magic");
    memset(buf, 0, sizeof buf);
    buf[510] = 0x55, buf[511] = 0xaa;
    CHECK(identify(buf, 1024, "disk.img", &what) == TARGET_DISK, "MBR boot signature");
    memset(buf, 0, sizeof buf);
    memcpy(buf + 512, "EFI PART", 8);
    CHECK(identify(buf, 1024, "disk.img", &what) == TARGET_DISK, "GPT header without an MBR signature");
    memset(buf, 0, sizeof buf);
    memcpy(buf + 32769, "CD001", 5);
    CHECK(identify(buf, sizeof buf, "x.iso", &what) == TARGET_ISO, "ISO 9660");
    CHECK(identify(buf, 512, "x.iso", &what) == TARGET_OTHER, "a short file is no ISO");

    static const struct {
        const char *data, *name, *want;
    } other[] = {
        {"", "e", "an empty file"},
        {"#include <stdio.h>\nint main(void) { return 0; }\n", "kernel.c", "C source"},
        {"fn main() {}\n", "main.rs", "Rust source"},
        {"#!/bin/sh\necho hi\n", "run", "a script"},
        {"hello\n", "notes", "a text file"},
        {"MZ\x90\x00\x03", "BOOTX64.EFI", "PE/COFF"},
        {"\x1f\x8b\x08\x00", "k.gz", "gzip"},
        {"QFI\xfb\x00\x00\x00\x03", "d.qcow2", "qcow2"},
        {"\x01\x02\x03\x00\xff\xfe", "blob", "no format kiln knows"},
    };
    for (size_t i = 0; i < ARRAY_LEN(other); i++) {
        size_t n = strlen(other[i].data);
        if (other[i].data[0] == 'M' || other[i].data[0] == 'Q' || other[i].data[0] == 1) n = 6;
        enum target_kind k = identify(other[i].data, n, other[i].name, &what);
        CHECK(k == TARGET_OTHER && strstr(what, other[i].want), "%s: kind %d, \"%s\"", other[i].name, (int)k, what);
    }
}

/* --- resets ------------------------------------------------------------------------ */

#define DUMP(eip) \
    "CPU Reset (CPU 0)\n" \
    "EAX=00000000 EBX=00000000 ECX=00000000 EDX=00000000\n" \
    "EIP=" eip " EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0\n" \
    "CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000\n" \
    "EFER=0000000000000000\n" \
    "FCW=037f FSW=0000 [ST=0] FTW=00 MXCSR=00001f80\n"
#define DUMP64(rip) \
    "CPU Reset (CPU 0)\n" \
    "RAX=000000000000000a RBX=ffff8001003f9000\n" \
    "RIP=" rip " RFL=00000046 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0\n" \
    "CR0=80010033 CR2=0000000000000000 CR3=000000000de47000 CR4=00000668\n" \
    "EFER=0000000000000d00\n" \
    "FCW=037f FSW=0000 [ST=0] FTW=00 MXCSR=00001f80\n"

TEST(resets_found) {
    const char *cause;
    char state[512];
    const char *poweron = DUMP("00000000") DUMP("0000fff0") "CPU Reset (CPU 1)\n" DUMP("0000fff0");
    CHECK(!reset_scan(poweron, strlen(poweron), &cause, state, sizeof state), "power-on dumps are no reset");

    const char *tf = DUMP("00000000") DUMP("0000fff0") "Triple fault\n" DUMP64("ffffffff800003ae");
    REQUIRE(reset_scan(tf, strlen(tf), &cause, state, sizeof state), "a triple fault");
    CHECK(!strcmp(cause, "a triple fault"), "cause %s", cause);
    CHECK(strstr(state, "RIP=ffffffff800003ae") && strstr(state, "EFER=0000000000000d00") && !strstr(state, "FCW="),
          "the register lines, no FPU: %s", state);

    const char *reboot = DUMP("00000000") DUMP("0000fff0") DUMP("000f1234");
    REQUIRE(reset_scan(reboot, strlen(reboot), &cause, state, sizeof state), "a reset without a triple fault");
    CHECK(!strcmp(cause, "a reset"), "cause %s", cause);

    /* A dump still being written is not read yet; a small buffer truncates. */
    const char *partial = DUMP("00000000") "Triple fault\nCPU Reset (CPU 0)\nRAX=0000000000000001\nRIP=ffff";
    CHECK(!reset_scan(partial, strlen(partial), &cause, state, sizeof state), "an unfinished dump");
    char small[8];
    REQUIRE(reset_scan(tf, strlen(tf), &cause, small, sizeof small), "small state buffer");
    CHECK(strlen(small) == 7, "state cut to its buffer: %zu", strlen(small));
    CHECK(!reset_scan("", 0, &cause, state, sizeof state), "empty log");
}

/* --- firmware that found nothing to boot ------------------------------------------ */

TEST(no_boot_device) {
    const char seabios[] = "Booting from Hard Disk...\nBoot failed: not a bootable disk\n\0\nNo bootable device.\n";
    CHECK(fw_debug_no_boot(seabios, sizeof seabios - 1) != NULL, "SeaBIOS's message, after a NUL byte");
    CHECK(!fw_debug_no_boot("Booting from Hard Disk...\n", 26), "a normal boot");
    CHECK(fw_serial_no_boot("BdsDxe: starting Boot0002 \"EFI Internal Shell\" from Fv(7CB8)/FvFile(7C04)") != NULL,
          "OVMF starts its shell");
    CHECK(!fw_serial_no_boot("BdsDxe: starting Boot0001 \"UEFI QEMU HARDDISK QM00001 \" from PciRoot(0x0)"),
          "OVMF boots the disk");
    CHECK(fw_serial_no_boot("\x1b[2JNo bootable option or device was found.") != NULL, "OVMF without a shell");
}

/* --- the terminal ------------------------------------------------------------------ */

static const char *filtered(struct term_filter *f, const char *in, char *out) {
    size_t n = term_filter(f, in, strlen(in), out);
    out[n] = 0;
    return out;
}

TEST(screen_control_dropped) {
    struct term_filter f = {0};
    char out[256];
    CHECK(!strcmp(filtered(&f, "\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01HBdsDxe: loading\r\n", out),
                  "BdsDxe: loading\r\n"),
          "OVMF's redraw: '%s'", out);
    CHECK(!strcmp(filtered(&f, "\x1b[1m\x1b[33mShell> \x1b[0m", out), "\x1b[1m\x1b[33mShell> \x1b[0m"),
          "colours pass");
    CHECK(!strcmp(filtered(&f, "a\x1b[2", out), "a") && !strcmp(filtered(&f, "Jb", out), "b"), "a clear cut in two");
    CHECK(!strcmp(filtered(&f, "x\x1b", out), "x") && !strcmp(filtered(&f, "[1mY", out), "\x1b[1mY"),
          "a colour cut in two");
    CHECK(!strcmp(filtered(&f, "\x1b" "c!", out), "!"), "terminal reset");
    CHECK(!strcmp(filtered(&f, "\x1b(B", out), "\x1b(B"), "other two-byte escapes pass");
    /* an unterminated sequence longer than the hold passes as it is */
    char longseq[64] = "\x1b[";
    memset(longseq + 2, '1', 40);
    longseq[42] = 0;
    CHECK(strlen(filtered(&f, longseq, out)) >= TERM_FILTER_HOLD, "a runaway sequence is not swallowed");
}

/* --- QEMU's arguments and the verdicts --------------------------------------------- */

static bool has_args(char **argv, const char *a, const char *b) {
    for (size_t i = 0; argv[i]; i++)
        if (!strcmp(argv[i], a) && (!b || (argv[i + 1] && !strcmp(argv[i + 1], b)))) return true;
    return false;
}

TEST(qemu_arguments_for_the_watches) {
    struct qemu_inputs in = {"q", "d.img", NULL, NULL, NULL, false, "/tmp/r.log", "/tmp/f,1.log", NULL, NULL, false};
    struct fixture f;
    resolve_full(&f, NULL, no_env, "k", NULL, RC_RUN);
    REQUIRE(f.ok, "%s", f.e.msg);
    char **argv;
    int argc;
    REQUIRE(qemu_argv(&f.c, &in, &argv, &argc, &f.e), "%s", f.e.msg);
    CHECK(has_args(argv, "-d", "cpu_reset") && has_args(argv, "-D", "/tmp/r.log") && !has_args(argv, "-no-reboot", NULL),
          "run mode: the reset log, no -no-reboot");
    CHECK(has_args(argv, "-chardev", "file,id=kilnfw,path=/tmp/f,,1.log") &&
              has_args(argv, "-device", "isa-debugcon,iobase=0x402,chardev=kilnfw"),
          "the firmware's debug port");
    fixture_free(&f);
    resolve_full(&f, NULL, no_env, "k --allow-reboot", NULL, RC_TEST);
    REQUIRE(f.ok, "%s", f.e.msg);
    struct qemu_inputs plain = {"q", "d.img", NULL, NULL, NULL, false, NULL, NULL, NULL, NULL, false};
    REQUIRE(qemu_argv(&f.c, &plain, &argv, &argc, &f.e), "%s", f.e.msg);
    CHECK(!has_args(argv, "-no-reboot", NULL) && !has_args(argv, "-d", NULL), "--allow-reboot in test mode");
    fixture_free(&f);
}

TEST(verdicts_of_resets_and_no_boot) {
    struct fixture f;
    resolve_full(&f, NULL, no_env, "k", NULL, RC_RUN);
    REQUIRE(f.ok, "%s", f.e.msg);
    struct outcome o = {.exited = true, .exit_code = 0, .guest_reset = "a triple fault", .reset_state = "RIP=1"};
    struct verdict v;
    verdict_compute(&f.c, &o, &v);
    CHECK(v.exit_code == 1 && v.boot_failed && strstr(v.reason, "the guest reset (a triple fault)"),
          "run mode, a reset: %d %s", v.exit_code, v.reason);
    o = (struct outcome){.exited = true, .exit_code = 0, .no_boot = "SeaBIOS: No bootable device."};
    verdict_compute(&f.c, &o, &v);
    CHECK(v.exit_code == 1 && !strcmp(v.reason, "no bootable device (SeaBIOS: No bootable device.)"),
          "run mode, no boot device: %d %s", v.exit_code, v.reason);
    fixture_free(&f);
    resolve_full(&f, NULL, no_env, "k", NULL, RC_TEST);
    REQUIRE(f.ok, "%s", f.e.msg);
    o = (struct outcome){.exited = false, .signal = 15, .no_boot = "OVMF found nothing to boot and started its shell"};
    verdict_compute(&f.c, &o, &v);
    CHECK(v.exit_code == 1 && !strcmp(v.reason, "no bootable device (OVMF found nothing to boot and started its shell)"),
          "test mode: only the firmware's reason, not QEMU's signal: %s", v.reason);
    fixture_free(&f);
}

TEST(success_code) {
    struct fixture f;
    resolve_full(&f, "[test]\nsuccess_exit_code = 35\n", no_env, "k", NULL, RC_TEST);
    REQUIRE(f.ok, "%s", f.e.msg);
    CHECK(f.c.v[K_SUCCESS_CODE].num == 35, "test.success_exit_code: %ld", f.c.v[K_SUCCESS_CODE].num);
    struct outcome o = {.exited = true, .exit_code = 35};
    struct verdict v;
    verdict_compute(&f.c, &o, &v);
    CHECK(v.passed && v.exit_code == 0, "exit 35 passes: %s", v.reason);
    o.exit_code = 33;
    verdict_compute(&f.c, &o, &v);
    CHECK(!v.passed && v.exit_code == 1 && strstr(v.reason, "expected exit 35, QEMU exited 33"), "exit 33 fails: %s",
          v.reason);
    fixture_free(&f);
    resolve_full(&f, NULL, no_env, "k --success-code 0", NULL, RC_RUN);
    CHECK(!f.ok && strstr(f.e.msg, "--success-code 0: must be 1..255"), "range: %s", f.e.msg);
    fixture_free(&f);
    resolve_full(&f, NULL, no_env, "k", NULL, RC_RUN);
    REQUIRE(f.ok, "%s", f.e.msg);
    o = (struct outcome){.exited = true, .exit_code = 33};
    verdict_compute(&f.c, &o, &v);
    CHECK(v.exit_code == 0 && !v.boot_failed, "run mode: the success port is exit 0 (%d)", v.exit_code);
    o.exit_code = 35;
    verdict_compute(&f.c, &o, &v);
    CHECK(v.exit_code == 35 && v.boot_failed, "run mode: another exit is QEMU's (%d)", v.exit_code);
    fixture_free(&f);
}

TEST(cargo_test_binaries) {
    static const struct {
        const char *path;
        bool test;
    } cases[] = {
        {"target/x86_64-unknown-none/debug/deps/kernel-0123456789abcdef", true},
        {"/p/target/x86_64-os/release/deps/my_os-fedcba9876543210", true},
        {"target/x86_64-unknown-none/debug/kernel", false},       /* cargo run: the binary itself */
        {"target/debug/deps/kernel-0123456789abcdeg", false},     /* not a hash */
        {"target/debug/deps/kernel-0123456789abcde", false},      /* 15 digits */
        {"deps/kernel-0123456789abcdef", false},                  /* not in a directory named deps/ under something */
        {"target/debug/notdeps/kernel-0123456789abcdef", false},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct fixture f;
        char args[256];
        snprintf(args, sizeof args, "%s", cases[i].path);
        resolve_full(&f, NULL, no_env, args, NULL, RC_RUN);
        REQUIRE(f.ok, "%s: %s", cases[i].path, f.e.msg);
        CHECK(f.c.test == cases[i].test, "%s: test mode %d", cases[i].path, f.c.test);
        if (cases[i].test) CHECK(f.c.v[K_TIMEOUT].num == 60, "%s: the test timeout", cases[i].path);
        fixture_free(&f);
    }
    struct fixture f;
    resolve_full(&f, NULL, no_env, "target/debug/deps/k-0123456789abcdef --timeout 5", NULL, RC_RUN);
    CHECK(f.ok && f.c.test && f.c.v[K_TIMEOUT].num == 5, "an explicit timeout stays");
    fixture_free(&f);
}
