/* test_qemu.c - host unit tests of the runner's QEMU side: command lines
 * and option values, shell quoting, finding QEMU, OVMF and KVM, choosing
 * the accelerator (--accel auto and its record of a KVM that fails),
 * QEMU's display list, the serial output's files, the serial watch, the
 * verdict and the image cache's SHA-256. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/rc_fixture.h"
#include "tests/unit/testlib.h"
#include "tools/kiln/config/config.h"
#include "tools/kiln/run/oneboot.h"
#include "tools/kiln/run/qemu.h"
#include "tools/kiln/run/run.h"
#include "tools/kiln/run/watch.h"
#include "core/sha256.h"
#include "tools/kiln/util/shellwords.h"

/* --- the QEMU command line ------------------------------------------------------------------------ */

static bool argv_is(char **argv, int argc, const char *const *want, char *why, size_t whysz) {
    int i = 0;
    for (; want[i]; i++)
        if (i >= argc || strcmp(argv[i], want[i])) {
            snprintf(why, whysz, "argument %d: got '%s', want '%s'", i, i < argc ? argv[i] : "(end)", want[i]);
            return false;
        }
    if (i != argc || argv[argc]) return snprintf(why, whysz, "%d arguments, want %d", argc, i), false;
    return true;
}

static void check_argv(const char *args, bool test, const struct qemu_inputs *in, const char *const *want) {
    struct fixture f;
    resolve_full(&f, NULL, no_env, args, NULL, test ? RC_TEST : RC_RUN);
    if (!f.ok) {
        CHECK(false, "%s: %s", args, f.e.msg);
        return;
    }
    char **argv, why[256];
    int argc;
    struct qemu_inputs inputs = *in;
    inputs.kvm = f.c.v[K_ACCEL].num == ACCEL_KVM;
    bool ok = qemu_argv(&f.c, &inputs, &argv, &argc, &f.e);
    CHECK(ok, "%s: %s", args, f.e.msg);
    if (ok) CHECK(argv_is(argv, argc, want, why, sizeof why), "%s: %s", args, why);
    fixture_free(&f);
}

#define COMMON_HEAD "q", "-machine"
#define COMMON_TAIL "-serial", "stdio", "-monitor", "none", "-display", "none", "-nic", "none", "-device", \
                    "isa-debug-exit,iobase=0xf4,iosize=0x04" /* in run mode too: kiln_qemu_exit() ends kiln run */

TEST(qemu_command_lines) {
    struct qemu_inputs in = {"q", "d,1.img", NULL, NULL, NULL, false, NULL, NULL, NULL, NULL, false};
    {
        const char *const want[] = {COMMON_HEAD, "q35", "-accel", "tcg", "-m", "256", "-smp", "1", "-drive",
                                    "if=none,id=disk0,format=raw,file=d,,1.img,snapshot=on", "-device",
                                    "ide-hd,drive=disk0,bus=ide.0,bootindex=0", COMMON_TAIL, NULL};
        check_argv("k", false, &in, want);
    }
    {
        const char *const want[] = {COMMON_HEAD, "pc", "-accel", "tcg", "-m", "256", "-smp", "1", "-drive",
                                    "if=none,id=disk0,format=raw,file=d,,1.img,snapshot=on", "-device",
                                    "ide-hd,drive=disk0,bootindex=0", COMMON_TAIL, NULL};
        check_argv("k --machine pc", false, &in, want);
    }
    {
        const char *const want[] = {COMMON_HEAD, "pc", "-accel", "tcg", "-m", "256", "-smp", "1", "-drive",
                                    "if=none,id=disk0,format=raw,file=d,,1.img,snapshot=on", "-device", "ahci,id=ahci0",
                                    "-device", "ide-hd,drive=disk0,bus=ahci0.0,bootindex=0", COMMON_TAIL, NULL};
        check_argv("k --machine pc --disk ahci", false, &in, want);
    }
    /* An ISO as a CD: read-only, no snapshot, IDE on pc, the AHCI port on q35. */
    struct qemu_inputs cd = {"q", "d,1.iso", NULL, NULL, NULL, false, NULL, NULL, NULL, NULL, true};
    {
        const char *const want[] = {COMMON_HEAD, "pc", "-accel", "tcg", "-m", "256", "-smp", "1", "-drive",
                                    "if=none,id=disk0,format=raw,media=cdrom,readonly=on,file=d,,1.iso", "-device",
                                    "ide-cd,drive=disk0,bootindex=0", COMMON_TAIL, NULL};
        check_argv("k --machine pc", false, &cd, want);
    }
    {
        const char *const want[] = {COMMON_HEAD, "q35", "-accel", "tcg", "-m", "256", "-smp", "1", "-drive",
                                    "if=none,id=disk0,format=raw,media=cdrom,readonly=on,file=d,,1.iso", "-device",
                                    "ide-cd,drive=disk0,bus=ide.0,bootindex=0", COMMON_TAIL, NULL};
        check_argv("k", false, &cd, want);
    }
    static const struct {
        const char *disk;
        const char *dev[4];
    } disks[] = {
        {"nvme", {"-device", "nvme,serial=kiln0,drive=disk0,bootindex=0", NULL, NULL}},
        {"virtio", {"-device", "virtio-blk-pci,drive=disk0,bootindex=0", NULL, NULL}},
        {"usb", {"-device", "qemu-xhci,id=xhci", "-device", "usb-storage,bus=xhci.0,drive=disk0,bootindex=0"}},
    };
    for (size_t m = 0; m < 2; m++)
        for (size_t i = 0; i < ARRAY_LEN(disks); i++) {
            const char *want[32] = {COMMON_HEAD, m ? "pc" : "q35", "-accel", "tcg", "-m", "256", "-smp", "1",
                                    "-drive", "if=none,id=disk0,format=raw,file=d,,1.img,snapshot=on"};
            size_t n = 11;
            for (size_t k = 0; k < 4 && disks[i].dev[k]; k++) want[n++] = disks[i].dev[k];
            const char *const tail[] = {COMMON_TAIL};
            for (size_t k = 0; k < ARRAY_LEN(tail); k++) want[n++] = tail[k];
            char args[64];
            snprintf(args, sizeof args, "k --disk %s --machine %s", disks[i].disk, m ? "pc" : "q35");
            check_argv(args, false, &in, want);
        }

    /* UEFI, test mode, every option that adds arguments, user arguments last */
    /* Every file name in an option value has its commas doubled, except
     * -debugcon's "file:PATH", which QEMU takes to the end of the word. */
    struct qemu_inputs uefi = {"/usr/bin/qemu", "x:disk,1.img", "/fw,1/CODE.fd", "/tmp/vars,x.fd", "/tmp/s,1.sock",
                               false, NULL, NULL, NULL, NULL, false};
    {
        const char *const want[] = {
            "/usr/bin/qemu", "-machine", "q35", "-accel", "kvm", "-cpu", "host", "-m", "2048", "-smp", "4",
            "-drive", "if=pflash,format=raw,readonly=on,file=/fw,,1/CODE.fd",
            "-drive", "if=pflash,format=raw,file=/tmp/vars,,x.fd",
            "-drive", "if=none,id=disk0,format=raw,file=./x:disk,,1.img,snapshot=on",
            "-device", "virtio-blk-pci,drive=disk0,bootindex=0",
            "-chardev", "socket,id=serial0,path=/tmp/s,,1.sock", "-serial", "chardev:serial0",
            "-monitor", "stdio", "-nic", "none", "-debugcon", "file:dbg,1.log",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-no-reboot", "-s", "-S", "-d", "int", NULL};
        check_argv("k --firmware uefi --accel kvm --memory 2G --cpus 4 --disk virtio --monitor --gui "
                   "--debugcon dbg,1.log --gdb -- -d int",
                   true, &uefi, want);
    }
    /* --net: no disk; QEMU's DHCP and TFTP serve the folder, naming the
     * firmware's boot program; OVMF's own network stack (no iPXE ROM) */
    {
        struct qemu_inputs net = {"q", "/c/k,1.pxe", NULL, NULL, NULL, false, NULL, NULL, NULL, NULL, false};
        const char *const want[] = {COMMON_HEAD, "q35", "-accel", "tcg", "-m", "256", "-smp", "1", "-netdev",
                                    "user,id=net0,tftp=/c/k,,1.pxe,bootfile=kiln-bios.0", "-device",
                                    "virtio-net-pci,netdev=net0,bootindex=0", "-serial", "stdio", "-monitor", "none",
                                    "-display", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", NULL};
        check_argv("k --net", false, &net, want);
        struct qemu_inputs netu = {"q", "/c/k.pxe", "C.fd", "V.fd", NULL, false, NULL, NULL, NULL, NULL, false};
        const char *const wantu[] = {COMMON_HEAD, "q35", "-accel", "tcg", "-m", "256", "-smp", "1", "-drive",
                                     "if=pflash,format=raw,readonly=on,file=C.fd", "-drive", "if=pflash,format=raw,file=V.fd",
                                     "-netdev", "user,id=net0,tftp=/c/k.pxe,bootfile=kiln-x64.efi", "-device",
                                     "virtio-net-pci,netdev=net0,bootindex=0,romfile=", "-serial", "stdio", "-monitor",
                                     "none", "-display", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                                     NULL};
        check_argv("k --net --firmware uefi", false, &netu, wantu);
    }
    /* U-Boot: its ROM as -bios, no pflash */
    {
        struct qemu_inputs ub = {"q", "d.img", NULL, NULL, NULL, false, NULL, NULL, "/u,1/u-boot.rom", NULL, false};
        const char *const want[] = {COMMON_HEAD, "q35", "-accel", "tcg", "-m", "256", "-smp", "1", "-bios",
                                    "/u,1/u-boot.rom", "-drive", "if=none,id=disk0,format=raw,file=d.img,snapshot=on",
                                    "-device", "virtio-blk-pci,drive=disk0,bootindex=0", COMMON_TAIL, NULL};
        check_argv("k --firmware uboot --disk virtio", false, &ub, want);
    }
    /* the user's own isa-debug-exit replaces kiln's */
    {
        const char *const want[] = {"q", "-machine", "q35", "-accel", "tcg", "-m", "256", "-smp", "1", "-drive",
                                    "if=none,id=disk0,format=raw,file=d,,1.img,snapshot=on", "-device",
                                    "ide-hd,drive=disk0,bus=ide.0,bootindex=0", "-serial", "stdio", "-monitor", "none",
                                    "-display", "none", "-nic", "none", "-device", "isa-debug-exit,iobase=0x501", NULL};
        check_argv("k -- -device isa-debug-exit,iobase=0x501", false, &in, want);
    }
    /* accel auto: kiln decides (accel_decide), the command line follows */
    {
        const char *const want[] = {COMMON_HEAD, "q35", "-accel", "tcg", "-m", "256", "-smp", "1", "-drive",
                                    "if=none,id=disk0,format=raw,file=d,,1.img,snapshot=on", "-device",
                                    "ide-hd,drive=disk0,bus=ide.0,bootindex=0", COMMON_TAIL, NULL};
        check_argv("k --accel auto", false, &in, want);
    }
    /* q35 cannot have IDE even if resolution was bypassed */
    struct fixture f;
    resolve(&f, NULL, no_env, "k --machine pc");
    REQUIRE(f.ok, "%s", f.e.msg);
    f.c.v[K_MACHINE].num = MACHINE_Q35;
    char **argv;
    int argc;
    CHECK(!qemu_argv(&f.c, &in, &argv, &argc, &f.e) && strstr(f.e.msg, "use disk ahci"), "%s", f.e.msg);
    f.c.v[K_FIRMWARE].num = FW_UEFI;
    f.c.v[K_DISK].num = DISK_AHCI;
    CHECK(!qemu_argv(&f.c, &in, &argv, &argc, &f.e) && strstr(f.e.msg, "without OVMF"), "uefi without OVMF");
    fixture_free(&f);
}

TEST(option_values) {
    struct arena a = {0};
    static const struct {
        const char *in, *value, *drive;
    } cases[] = {
        {"disk.img", "disk.img", "disk.img"},
        {"a,b,,c.img", "a,,b,,,,c.img", "a,,b,,,,c.img"},
        {"nbd:x.img", "nbd:x.img", "./nbd:x.img"},
        {"dir/a:b.img", "dir/a:b.img", "dir/a:b.img"},
        {"/abs/a:b,c.img", "/abs/a:b,,c.img", "/abs/a:b,,c.img"},
        {"./x:y", "./x:y", "./x:y"},
        {"", "", ""},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const char *v = qemu_opt_value(&a, cases[i].in), *d = qemu_drive_file(&a, cases[i].in);
        CHECK(!strcmp(v, cases[i].value), "case %zu: value %s", i, v);
        CHECK(!strcmp(d, cases[i].drive), "case %zu: drive %s", i, d);
    }
    arena_free(&a);
}

TEST(quoting) {
    struct arena a = {0};
    CHECK(!strcmp(shell_quote(&a, "plain-1.0/x=y,z"), "plain-1.0/x=y,z"), "plain");
    CHECK(!strcmp(shell_quote(&a, "a b"), "'a b'"), "space");
    CHECK(!strcmp(shell_quote(&a, "it's"), "'it'\\''s'"), "quote");
    CHECK(!strcmp(shell_quote(&a, ""), "''"), "empty");
    char *argv[] = {"q", "-x", "a b", NULL};
    CHECK(!strcmp(shell_join(&a, argv), "q -x 'a b'"), "join");
    arena_free(&a);
}

/* --- finding things ----------------------------------------------------------------------------- */

static void touch(const char *rel) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    for (char *s = path + strlen(tmp) + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(path, 0755);
            *s = '/';
        }
    write_text(path, "x");
}

TEST(ovmf_discovery) {
    struct arena a = {0};
    kiln_err e;
    const char *code, *vars;
    char root[128], want[256];
    snprintf(root, sizeof root, "%s/fw", tmp);
    CHECK(!qemu_find_ovmf(&a, no_env, root, &code, &vars, &e) && strstr(e.msg, "apt-get install ovmf") &&
              strstr(e.msg, "KILN_OVMF_CODE"),
          "none: %s", e.msg);
    touch("fw/usr/share/qemu/edk2-x86_64-code.fd");
    touch("fw/usr/share/qemu/edk2-i386-vars.fd");
    CHECK(qemu_find_ovmf(&a, no_env, root, &code, &vars, &e) && strstr(code, "edk2-x86_64-code.fd") &&
              strstr(vars, "edk2-i386-vars.fd"),
          "QEMU's edk2: %s", e.msg);
    touch("fw/usr/share/OVMF/OVMF_CODE.fd"); /* without its VARS: skipped */
    CHECK(qemu_find_ovmf(&a, no_env, root, &code, &vars, &e) && strstr(code, "edk2"), "a CODE without VARS is skipped");
    touch("fw/usr/share/OVMF/OVMF_CODE_4M.fd");
    touch("fw/usr/share/OVMF/OVMF_VARS_4M.fd");
    snprintf(want, sizeof want, "%s/usr/share/OVMF/OVMF_CODE_4M.fd", root);
    CHECK(qemu_find_ovmf(&a, no_env, root, &code, &vars, &e) && !strcmp(code, want) && strstr(vars, "OVMF_VARS_4M.fd"),
          "4M first: %s", code);
    char ec[300], ev[300];
    snprintf(ec, sizeof ec, "KILN_OVMF_CODE=%s/usr/share/qemu/edk2-x86_64-code.fd", root);
    const char *const env1[] = {ec, NULL};
    CHECK(qemu_find_ovmf(&a, env1, root, &code, &vars, &e) && strstr(vars, "edk2-i386-vars.fd"), "derived vars");
    snprintf(ec, sizeof ec, "KILN_OVMF_CODE=%s/usr/share/OVMF/OVMF_CODE.fd", root);
    const char *const env2[] = {ec, NULL};
    CHECK(!qemu_find_ovmf(&a, env2, root, &code, &vars, &e) && strstr(e.msg, "OVMF_VARS.fd; set KILN_OVMF_VARS"),
          "no derived vars: %s", e.msg);
    snprintf(ev, sizeof ev, "KILN_OVMF_VARS=%s/usr/share/OVMF/OVMF_VARS_4M.fd", root);
    const char *const env3[] = {ec, ev, NULL};
    CHECK(qemu_find_ovmf(&a, env3, root, &code, &vars, &e) && strstr(code, "OVMF_CODE.fd") &&
              strstr(vars, "OVMF_VARS_4M.fd"),
          "both given");
    const char *const env4[] = {"KILN_OVMF_CODE=/nonexistent", NULL};
    CHECK(!qemu_find_ovmf(&a, env4, root, &code, &vars, &e) && !strcmp(e.msg, "KILN_OVMF_CODE=/nonexistent: no such file"),
          "missing: %s", e.msg);
    /* U-Boot: Debian's u-boot-qemu path under root, or KILN_UBOOT_ROM */
    const char *rom;
    CHECK(!qemu_find_uboot(&a, no_env, root, &rom, &e) && strstr(e.msg, "apt-get install u-boot-qemu") &&
              strstr(e.msg, "KILN_UBOOT_ROM"),
          "no u-boot: %s", e.msg);
    touch("fw/usr/lib/u-boot/qemu-x86_64/u-boot.rom");
    snprintf(want, sizeof want, "%s/usr/lib/u-boot/qemu-x86_64/u-boot.rom", root);
    CHECK(qemu_find_uboot(&a, no_env, root, &rom, &e) && !strcmp(rom, want), "u-boot found: %s", e.msg);
    const char *const env5[] = {"KILN_UBOOT_ROM=/nonexistent.rom", NULL};
    CHECK(!qemu_find_uboot(&a, env5, root, &rom, &e) && !strcmp(e.msg, "KILN_UBOOT_ROM=/nonexistent.rom: no such file"),
          "u-boot missing: %s", e.msg);
    arena_free(&a);
}

TEST(binary_and_kvm) {
    struct fixture f;
    char bin[160], path[200];
    snprintf(bin, sizeof bin, "%s/bin", tmp);
    mkdir(bin, 0755);
    snprintf(path, sizeof path, "%s/qemu-system-x86_64", bin);
    write_text(path, "#!/bin/sh\n");
    chmod(path, 0755);
    char envpath[200];
    snprintf(envpath, sizeof envpath, "PATH=/nonexistent:%s", bin);
    const char *const env[] = {envpath, NULL};
    resolve(&f, NULL, env, "k");
    REQUIRE(f.ok, "%s", f.e.msg);
    const char *found;
    CHECK(qemu_find_binary(&f.c, env, &found, &f.e) && !strcmp(found, path), "found in PATH: %s", f.e.msg);
    const char *const empty_path[] = {"PATH=/nonexistent", NULL};
    CHECK(!qemu_find_binary(&f.c, empty_path, &found, &f.e) && strstr(f.e.msg, "apt-get install qemu-system-x86"),
          "missing: %s", f.e.msg);
    fixture_free(&f);
    resolve(&f, NULL, env, "k --qemu /nonexistent/qemu");
    CHECK(f.ok && !qemu_find_binary(&f.c, env, &found, &f.e) &&
              !strcmp(f.e.msg, "QEMU '/nonexistent/qemu' (--qemu): not found or not executable"),
          "explicit: %s", f.e.msg);
    fixture_free(&f);
    kiln_err e;
    CHECK(!qemu_kvm_usable("/dev/null", &e) && strstr(e.msg, "/dev/null: KVM_GET_API_VERSION failed"),
          "/dev/null is no KVM: %s", e.msg);
    CHECK(!qemu_kvm_usable("/nonexistent/kvm", &e) && strstr(e.msg, "No such file"), "%s", e.msg);
}

/* --- the accelerator ------------------------------------------------------------------------------ */

static const char *const qemu72 = "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)";

TEST(accel_decision) {
    struct arena a = {0};
    struct accel_decision d;
    const char *record = kvm_record_format(&a, qemu72, "KVM internal error. Suberror: 1; emulation failure");
    struct accel_facts f = {.asked = ACCEL_TCG, .asked_src = "default", .kvm_usable = true};
    accel_decide(&a, &f, &d);
    CHECK(d.use == USE_TCG && !d.fallback, "tcg");

    f = (struct accel_facts){.asked = ACCEL_KVM, .asked_src = "--accel", .kvm_usable = true, .record = record,
                             .qemu_version = qemu72};
    accel_decide(&a, &f, &d);
    CHECK(d.use == USE_KVM && !d.fallback, "kvm, asked for: no fallback, whatever the record says");
    f.kvm_usable = false, f.kvm_why = "/dev/kvm: No such file or directory";
    accel_decide(&a, &f, &d);
    CHECK(d.use == USE_REFUSE && d.why &&
              strstr(d.why, "accel kvm (--accel): KVM is not usable: /dev/kvm: No such file or directory") == d.why,
          "kvm not usable: %s", d.why);

    f = (struct accel_facts){.asked = ACCEL_AUTO, .asked_src = "--accel", .kvm_usable = false,
                             .kvm_why = "/dev/kvm: Permission denied"};
    accel_decide(&a, &f, &d);
    CHECK(d.use == USE_TCG && !strcmp(d.why, "KVM is not usable: /dev/kvm: Permission denied"), "auto, no KVM: %s",
          d.why);
    f.kvm_usable = true;
    accel_decide(&a, &f, &d);
    CHECK(d.use == USE_KVM && d.fallback, "auto, usable, no record: KVM on trial");
    f.record = record, f.record_path = "/c/kvm-broken", f.record_age_days = 2, f.qemu_version = qemu72;
    accel_decide(&a, &f, &d);
    CHECK(d.use == USE_TCG && !d.fallback &&
              !strcmp(d.why, "KVM failed here before: KVM internal error. Suberror: 1; emulation failure "
                             "(/c/kvm-broken)"),
          "auto, recorded failure: %s", d.why);
    f.record_age_days = 30.5;
    accel_decide(&a, &f, &d);
    CHECK(d.use == USE_KVM && d.fallback, "a record older than 30 days is ignored");
    f.record_age_days = 29.9, f.qemu_version = "QEMU emulator version 8.2.2";
    accel_decide(&a, &f, &d);
    CHECK(d.use == USE_KVM && d.fallback, "a record of another QEMU version is ignored");
    f.qemu_version = NULL;
    accel_decide(&a, &f, &d);
    CHECK(d.use == USE_KVM && d.fallback, "QEMU's version unknown: the record cannot be trusted");
    f.qemu_version = qemu72, f.record = "qemu: QEMU emulator version 7.2.22\n";
    accel_decide(&a, &f, &d);
    CHECK(d.use == USE_KVM, "a record without a reason is ignored");
    f.record = "";
    accel_decide(&a, &f, &d);
    CHECK(d.use == USE_KVM, "an empty record is ignored");
    arena_free(&a);
}

TEST(kvm_records_and_failures) {
    struct arena a = {0};
    struct kvm_record r;
    const char *text = kvm_record_format(&a, qemu72, "failed to initialize kvm: Operation not permitted");
    CHECK(text[0] == '#' && kvm_record_parse(&a, text, &r) && !strcmp(r.qemu_version, qemu72) &&
              !strcmp(r.reason, "failed to initialize kvm: Operation not permitted"),
          "round trip: %s", text);
    CHECK(!kvm_record_parse(&a, "reason: x\n", &r) && !kvm_record_parse(&a, "garbage", &r), "incomplete records");

    char why[256];
    const char *internal = "qemu-system-x86_64: warning: Blocked re-entrant IO\n"
                           "KVM internal error. Suberror: 1\n"
                           "extra data[0]: 0x0000000000000001\n"
                           "emulation failure\n"
                           "RAX=0000000000000000 RBX=0\n";
    CHECK(kvm_failure(internal, strlen(internal), why, sizeof why) &&
              !strcmp(why, "KVM internal error. Suberror: 1; emulation failure"),
          "internal error: %s", why);
    CHECK(kvm_failure(internal, (size_t)(strstr(internal, "extra") - internal), why, sizeof why) && !strcmp(why, "KVM internal error. Suberror: 1"),
          "the first line only, so far: %s", why);
    const char *init = "qemu-system-x86_64: -accel kvm: failed to initialize kvm: Operation not permitted\n";
    CHECK(kvm_failure(init, strlen(init), why, sizeof why) &&
              !strcmp(why, "failed to initialize kvm: Operation not permitted"),
          "init: %s", why);
    const char *module = "Could not access KVM kernel module: Permission denied\n";
    CHECK(kvm_failure(module, strlen(module), why, sizeof why) &&
              !strcmp(why, "Could not access KVM kernel module: Permission denied"),
          "module: %s", why);
    const char *msr = "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\n"
                      "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion `ret == "
                      "cpu->kvm_msr_buf->nmsrs' failed.\n";
    CHECK(kvm_failure(msr, strlen(msr), why, sizeof why) && !strcmp(why, "failed to set MSR 0x10a to 0x69"), "msr: %s", why);
    const char *assert_only = "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion failed\n";
    CHECK(kvm_failure(assert_only, strlen(assert_only), why, sizeof why) && strstr(why, "kvm_buf_set_msrs"),
          "an assertion in QEMU's KVM glue: %s", why);
    const char *fine = "qemu-system-x86_64: warning: host doesn't support requested feature\n";
    CHECK(!kvm_failure(fine, strlen(fine), why, sizeof why), "a warning is no failure");
    arena_free(&a);
}

TEST(display_list) {
    CHECK(qemu_display_has_window("Available display backend types:\nnone\ngtk\nsdl\negl-headless\ncurses\n"),
          "gtk and sdl");
    CHECK(qemu_display_has_window("Available display backend types:\r\nnone\r\nsdl\r\n"), "sdl only, CRLF");
    CHECK(qemu_display_has_window("Available display backend types:\nnone\ncocoa"), "cocoa, no newline at the end");
    CHECK(!qemu_display_has_window("Available display backend types:\nnone\ncurses\negl-headless\ndbus\n"),
          "no window: curses, egl-headless, dbus");
    CHECK(!qemu_display_has_window("Available display backend types:\nnone\ngtk2\n sdl\n"), "whole lines only");
    CHECK(!qemu_display_has_window(""), "nothing");
}

/* A stand-in QEMU that answers like QEMU does. */
static const char *fake_qemu(const char *name, const char *script) {
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    write_text(path, script);
    chmod(path, 0755);
    return path;
}

TEST(asking_qemu) {
    struct arena a = {0};
    kiln_err e;
    const char *q = fake_qemu("q-ok", "#!/bin/sh\n"
                                      "case \"$1\" in\n"
                                      "-version) printf 'QEMU emulator version 9.9.9\\nCopyright\\n' ;;\n"
                                      "-display) printf 'Available display backend types:\\nnone\\ncurses\\n' ;;\n"
                                      "*) exit 1 ;;\n"
                                      "esac\n");
    const char *v = qemu_version(&a, q);
    CHECK(v && !strcmp(v, "QEMU emulator version 9.9.9"), "version: %s", v ? v : "(none)");
    static const char *const display[] = {"-display", "help", NULL};
    const char *out = qemu_ask(&a, q, display, &e);
    CHECK(out && !qemu_display_has_window(out) && strstr(out, "curses"), "display help: %s", out ? out : e.msg);
    static const char *const other[] = {"-frob", NULL};
    CHECK(!qemu_ask(&a, q, other, &e) && strstr(e.msg, "-frob: exit status 1"), "failure: %s", e.msg);
    char missing[200];
    snprintf(missing, sizeof missing, "%s/no-such-qemu", tmp);
    CHECK(!qemu_version(&a, missing), "a missing QEMU has no version");
    arena_free(&a);
}

/* --- the serial output's files ------------------------------------------------------------------ */

TEST(serial_log_targets) {
    struct arena a = {0};
    char path[200];
    snprintf(path, sizeof path, "%s/logs", tmp);
    mkdir(path, 0755);
    const char *p = log_target_problem(&a, path);
    CHECK(p && !strcmp(p, "is a directory; the serial output goes to a file, a FIFO or a terminal"), "dir: %s",
          p ? p : "(none)");
    CHECK(!log_target_problem(&a, "/dev/null"), "a character device is written in place");
    snprintf(path, sizeof path, "%s/logs/new.log", tmp);
    CHECK(!log_target_problem(&a, path), "a new file");

    /* a regular file: truncated on open, emptied for a restarted boot */
    write_text(path, "old contents\n");
    int fd = log_open(path, "--serial-log new.log");
    REQUIRE(fd >= 0, "open");
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == 0, "truncated");
    CHECK(write(fd, "first try\n", 10) == 10, "write");
    log_rewind(fd);
    CHECK(write(fd, "again\n", 6) == 6, "write");
    close(fd);
    CHECK(stat(path, &st) == 0 && st.st_size == 6, "rewound: %lld bytes", (long long)st.st_size);

    /* a FIFO: written in place, not replaced */
    snprintf(path, sizeof path, "%s/logs/fifo", tmp);
    REQUIRE(mkfifo(path, 0644) == 0, "mkfifo");
    CHECK(!log_target_problem(&a, path), "a FIFO is fine");
    int rd = open(path, O_RDONLY | O_NONBLOCK);
    REQUIRE(rd >= 0, "reader");
    fd = log_open(path, "--serial-log fifo");
    CHECK(write(fd, "through\n", 8) == 8, "write to the FIFO");
    log_rewind(fd); /* nothing to rewind */
    char buf[16] = {0};
    CHECK(read(rd, buf, sizeof buf) == 8 && !strcmp(buf, "through\n"), "read back: %s", buf);
    close(fd);
    close(rd);
    CHECK(stat(path, &st) == 0 && S_ISFIFO(st.st_mode), "still a FIFO");
    arena_free(&a);
}

/* --- the serial watch and the verdict ------------------------------------------------------------- */

static void watch_for(struct fixture *f, struct serial_watch *w, const char *args) {
    resolve_full(f, NULL, no_env, args, NULL, RC_TEST);
    if (!f->ok) {
        CHECK(false, "%s", f->e.msg);
        return;
    }
    kiln_err e;
    if (!watch_init(w, &f->c, &e)) CHECK(false, "%s", e.msg);
}

struct collect {
    char buf[4096];
};

static void collect_line(void *ctx, const char *line) {
    struct collect *c = ctx;
    strncat(c->buf, line, sizeof c->buf - strlen(c->buf) - 2);
    strcat(c->buf, "|");
}

TEST(serial_watch) {
    struct fixture f;
    struct serial_watch w;
    watch_for(&f, &w, "k --expect '^b$' --expect '^d' --reply 'login: $=root\\n' --reply 'Pass=x' --pass-on '^done$'");
    const char *out = "a\r\nb\nc\n[PASS] one\n  [FAIL] two: why\nlog";
    watch_feed(&w, out, strlen(out));
    CHECK(w.ninput == 0, "no reply before the prompt is complete");
    watch_feed(&w, "in: ", 4);
    CHECK(w.ninput == 5 && !memcmp(w.input, "root\n", 5), "a reply to a partial line");
    watch_feed(&w, "\nlogin: \n", 9);
    CHECK(w.ninput == 5, "each reply fires once");
    CHECK(w.npass == 1 && w.nfail == 1 && w.nmarkers == 2 && !strcmp(w.markers[1], "[FAIL] two: why"), "markers");
    CHECK(w.next_expect == 1, "one expect so far");
    watch_feed(&w, "d1\nd2\n", 6);
    CHECK(w.next_expect == 2 && !w.pass_on_hit, "expects in order");
    watch_feed(&w, "done\npartial", 12);
    CHECK(w.pass_on_hit, "pass-on");
    struct collect c = {""};
    watch_tail(&w, collect_line, &c);
    CHECK(!strcmp(c.buf, "a|b|c|[PASS] one|  [FAIL] two: why|login: |login: |d1|d2|done|partial|"), "tail: %s", c.buf);
    watch_free(&w);
    fixture_free(&f);

    /* the tail keeps the last 20 lines; expects need lines in order */
    watch_for(&f, &w, "k --expect second --expect first");
    watch_feed(&w, "first\nsecond\n", 13);
    for (int i = 0; i < 30; i++) {
        char l[16];
        int n = snprintf(l, sizeof l, "line %d\n", i);
        watch_feed(&w, l, (size_t)n);
    }
    watch_feed(&w, "first\n", 6);
    CHECK(w.next_expect == 2, "order: second, then a later first");
    c.buf[0] = 0;
    watch_tail(&w, collect_line, &c);
    CHECK(!strncmp(c.buf, "line 11|", 8) && strstr(c.buf, "line 29|first|"), "last 20: %s", c.buf);
    watch_free(&w);
    fixture_free(&f);
}

static void verdict_for(const char *args, const struct outcome *o, struct verdict *v, bool test) {
    struct fixture f;
    resolve_full(&f, NULL, no_env, args, NULL, test ? RC_TEST : RC_RUN);
    if (!f.ok) CHECK(false, "%s", f.e.msg);
    else verdict_compute(&f.c, o, v);
    fixture_free(&f);
}

TEST(verdicts) {
    struct verdict v;
    struct outcome ok = {.exited = true, .exit_code = 33, .timeout_s = 60};
    verdict_for("k", &ok, &v, true);
    CHECK(v.passed && v.exit_code == 0 && !v.reason[0], "exit 33 passes");

    struct outcome o = ok;
    o.exit_code = 35;
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && v.exit_code == 1 && strstr(v.reason, "expected exit 33, QEMU exited 35"), "35: %s", v.reason);
    o.exit_code = 0;
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && strstr(v.reason, "QEMU exited 0 (a shutdown, or a triple fault"), "0: %s", v.reason);
    o.exit_code = 1;
    o.qemu_error = "qemu: -device foo: bad";
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && strstr(v.reason, "QEMU exited 1; QEMU: qemu: -device foo: bad"), "1: %s", v.reason);
    o = ok;
    o.exited = false, o.signal = 9;
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && strstr(v.reason, "killed by signal 9"), "signal: %s", v.reason);
    o = ok;
    o.nfail = 2, o.npass = 5;
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && !strcmp(v.reason, "2 [FAIL] markers"), "markers: %s", v.reason);
    o = ok;
    o.exited = false, o.signal = 15, o.timed_out = true, o.timeout_s = 5;
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && v.exit_code == 124 && !strcmp(v.reason, "timed out after 5 s"), "timeout: %s", v.reason);
    o = ok;
    o.nexpect = 2, o.expect_matched = 1, o.first_missing = "^beta$";
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && !strcmp(v.reason, "missing \"^beta$\""), "missing: %s", v.reason);
    o.exited = false, o.signal = 15, o.pass_on_hit = true;
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && !strcmp(v.reason, "missing \"^beta$\""), "pass-on before every expect");
    o.expect_matched = 2;
    verdict_for("k", &o, &v, true);
    CHECK(v.passed && v.exit_code == 0, "pass-on after every expect: %s", v.reason);
    o = ok;
    o.guest_stuck = "KVM internal error";
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && strstr(v.reason, "QEMU stopped the guest: KVM internal error") && !strstr(v.reason, "exit 33"),
          "stuck: %s", v.reason);

    /* --expect-fail */
    o = ok;
    o.exit_code = 35;
    verdict_for("k --expect-fail", &o, &v, true);
    CHECK(v.passed && v.exit_code == 0 && strstr(v.reason, "failed as expected: expected exit 33, QEMU exited 35"),
          "inverted: %s", v.reason);
    verdict_for("k --expect-fail='exited 35'", &o, &v, true);
    CHECK(v.passed, "reason matches");
    verdict_for("k --expect-fail='timed out'", &o, &v, true);
    CHECK(!v.passed && v.exit_code == 1 && strstr(v.reason, "failed, but not as expected"), "wrong reason: %s",
          v.reason);
    verdict_for("k --expect-fail", &ok, &v, true);
    CHECK(!v.passed && strstr(v.reason, "expected a failure (--expect-fail), but the boot passed"), "%s", v.reason);

    /* run mode: QEMU's status */
    o = ok;
    o.exit_code = 0;
    verdict_for("k", &o, &v, false);
    CHECK(v.passed && v.exit_code == 0, "run: 0");
    o.exit_code = 3;
    verdict_for("k", &o, &v, false);
    CHECK(!v.passed && v.exit_code == 3, "run: 3");
    o.exited = false, o.signal = 9;
    verdict_for("k", &o, &v, false);
    CHECK(v.exit_code == 137, "run: signal -> 128 + 9");
    o.timed_out = true, o.timeout_s = 2;
    verdict_for("k", &o, &v, false);
    CHECK(v.exit_code == 124 && strstr(v.reason, "timed out after 2 s"), "run: timeout");
    o = ok;
    o.interrupted = true;
    verdict_for("k", &o, &v, true);
    CHECK(!v.passed && v.exit_code == 130, "interrupted");
}

TEST(sha256_vectors) {
    static const struct {
        const char *in, *hex;
    } cases[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct sha256 s;
        char hex[65];
        sha256_init(&s);
        sha256_update(&s, cases[i].in, strlen(cases[i].in));
        sha256_hex(&s, hex);
        CHECK(!strcmp(hex, cases[i].hex), "case %zu: %s", i, hex);
    }
    /* a million 'a's, fed unevenly across block boundaries */
    struct sha256 s;
    char hex[65], buf[1000];
    memset(buf, 'a', sizeof buf);
    sha256_init(&s);
    for (size_t done = 0, step = 1; done < 1000000; done += step, step = step % 997 + 1)
        sha256_update(&s, buf, MIN(step, 1000000 - done));
    sha256_hex(&s, hex);
    CHECK(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"), "1M a: %s", hex);
}

static void scratch(void) { fixture_scratch("qemu"); }
TEST_BEFORE_ALL(scratch)
TEST_AFTER_ALL(fixture_scratch_remove)
