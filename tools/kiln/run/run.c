/* run.c - `kiln run`: boot a kernel or a disk image in QEMU with the serial
 * port on this terminal (a boot's parts are in oneboot.c, session.c, qemu.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tools/kiln/run/oneboot.h"
#include "tools/kiln/run/run.h"
#include "tools/kiln/util/die.h"

extern char **environ;

/* --- the terminal ------------------------------------------------------------------------ */

static struct termios saved_tty;
static bool tty_changed;

static void tty_restore(void) {
    if (tty_changed) tcsetattr(0, TCSANOW, &saved_tty);
    tty_changed = false;
}

/* Keys go to the guest as they are typed, unechoed (the guest echoes), as
 * QEMU's own -serial stdio does; Ctrl-C still stops the run. */
static void tty_raw(void) {
    struct termios t;
    if (tcgetattr(0, &saved_tty) != 0) return;
    t = saved_tty;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(0, TCSANOW, &t) == 0) {
        tty_changed = true;
        atexit(tty_restore);
    }
}

/* "    | " before each line of text. */
static const char *indent(struct arena *a, const char *text) {
    const char *out = "";
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        out = arena_printf(a, "%s%s    | %.*s", out, *out ? "\n" : "", (int)n, p);
        p += n + (p[n] == '\n');
    }
    return out;
}

/* One line before the guest's output: how to stop it, where the serial
 * output goes. */
static void say_how_to_quit(struct run_config *c, const char *log_what) {
    const char *quit = c->v[K_MONITOR].num ? "type quit at the (qemu) prompt or press Ctrl-C"
                                           : "press Ctrl-C to stop QEMU";
    const char *log = log_what ? arena_printf(&c->a, "a copy goes to %s", c->v[K_SERIAL_LOG].str)
                               : "no copy is kept (--serial-log FILE keeps one)";
    fprintf(stderr, "kiln: serial output below; %s; %s\n", quit, log);
}

/* --- kiln run ------------------------------------------------------------------------------ */

static void usage_run(void) {
    puts("usage: kiln run TARGET [options] [-- QEMU arguments...]\n"
         "Boot a kernel ELF (kiln builds and caches its image) or a disk image (booted as it is, never\n"
         "written) in QEMU, with the serial port on this terminal. Settings also come from kiln.toml,\n"
         "a profile and KILN_* variables (docs/running.md); the command line wins.\n"
         "\n"
         "machine:\n"
         "  --firmware bios|uefi|uboot\n"
         "                          SeaBIOS (default), OVMF, or U-Boot's UEFI (both need a hybrid or uefi\n"
         "                          or iso image)\n"
         "  --kind hybrid|bios|uefi|iso|pxe\n"
         "                          image kind built from a kernel (default hybrid; bios and uefi boot only\n"
         "                          with that firmware; an iso boots as a CD unless --disk is given; pxe\n"
         "                          boots from the network, as --net)\n"
         "  --machine q35|pc        machine type (default q35)\n"
         "  --disk ide|ahci|nvme|virtio|usb\n"
         "                          disk controller (default ahci on q35, ide on pc; an ISO image: a CD)\n"
         "  --memory MIB            RAM in MiB, or with a suffix: 512M, 2G (default 256)\n"
         "  --cpus N                processors, 1..255 (default 1)\n"
         "  --accel tcg|kvm|auto    tcg (default; see docs/running.md), kvm (must be usable), or auto:\n"
         "                          KVM where it works, else (and after a KVM failure) TCG\n"
         "  --net, --no-net         boot from the network: QEMU's DHCP and TFTP serve a --kind pxe folder\n"
         "                          (a kernel's, or a folder TARGET as it is); no disk\n"
         "  --secure-boot           UEFI Secure Boot enforced: Debian's OVMF snakeoil build (q35, SMM);\n"
         "                          a kernel's image is signed with --sign-key/--sign-cert (docs/secure-boot.md)\n"
         "  --gui, --no-gui         a display window (default none: -display none); needs QEMU's GUI\n"
         "                          package (qemu-system-gui), an error without it\n"
         "  --qemu PROGRAM          the QEMU binary (default qemu-system-x86_64 from PATH)\n"
         "  -- ARGS...              more QEMU arguments, after all the others\n"
         "image (TARGET is a kernel ELF):\n"
         "  --cmdline STR           kernel command line; {{KERNEL}}, {{KERNEL_NAME}}, {{IS_TEST}},\n"
         "                          {{PROJECT_DIR}} and [vars] are expanded ({{{{ is a literal {{)\n"
         "  --module FILE[=NAME]    add a module (repeatable)\n"
         "  --kernel-name NAME      the kernel's name in the payload (default: its file name)\n"
         "  --image-config FILE     image config text (docs/config.md), templates expanded\n"
         "  --loader-log LEVEL      the loader's log level: error, warn, info (default), debug\n"
         "  --fb MODE               the loader's video mode: auto, keep, none, WxH, max:WxH, min:WxH\n"
         "  --serial on|off         the loader's output on COM1 (default on)\n"
         "  --allow-reboot          let a guest that resets boot again (run mode otherwise stops at the\n"
         "                          first reset and shows the CPU state; test mode uses -no-reboot)\n"
         "  --sign-key KEY, --sign-cert CERT\n"
         "                          sign the image's BOOTX64.EFI with the payload's hash (docs/secure-boot.md)\n"
         "debugging:\n"
         "  --gdb                   start halted with a gdb stub on :1234 (-s -S); prints the gdb command\n"
         "  --monitor               the QEMU monitor on this terminal (serial output still shown)\n"
         "  --serial-log FILE       a copy of the serial output (a file, FIFO or terminal)\n"
         "  --debugcon FILE         port 0xE9 output to FILE\n"
         "  --screenshot FILE.png   the screen as a PNG when kiln stops QEMU (timeout, reset, --pass-on,\n"
         "                          Ctrl-C) or when the last --expect matched\n"
         "  -v, --verbose           print the QEMU command before running it\n"
         "  --dry-run               print the resolved settings, each with its source, and the QEMU\n"
         "                          command line; run nothing\n"
         "testing:\n"
         "  --test                  test mode (-no-reboot): exit 0 only when the kernel writes 0x10 to\n"
         "                          port 0xf4 (QEMU exit 33) and prints no [FAIL] line. Every run has that\n"
         "                          isa-debug-exit port; outside test mode kiln exits 0 for it, else with\n"
         "                          QEMU's status\n"
         "  --timeout S             stop QEMU after S seconds, exit 124 (test mode default 60; 0 = none)\n"
         "  --expect REGEX          a serial line must match, in this order (repeatable)\n"
         "  --reply PATTERN=TEXT    when PATTERN appears, type TEXT once (\\n \\r \\t \\e \\\\ \\xHH; \\= in\n"
         "                          PATTERN is a literal '=')\n"
         "  --pass-on REGEX         a matching line ends the run as a success (after every --expect)\n"
         "  --expect-fail[=REGEX]   the boot must fail (and its reason match REGEX); inverts the verdict\n"
         "  --success-code N        QEMU's exit status that means success (default 33: the kernel wrote 0x10 to\n"
         "                          port 0xf4); a TARGET in a cargo deps/ directory boots in test mode\n"
         "configuration:\n"
         "  --project FILE          the project file (default: the nearest kiln.toml upwards)\n"
         "  --no-project            no project file\n"
         "  --profile NAME          apply [profile.NAME] from kiln.toml (or KILN_PROFILE)\n"
         "kiln.toml sets the settings above but --expect-fail and --verbose (gdb = true, serial_log = \"x.log\", ...);\n"
         "KILN_FIRMWARE, KILN_KIND, KILN_MACHINE, KILN_DISK, KILN_ACCEL, KILN_MEMORY, KILN_CPUS, KILN_TIMEOUT,\n"
         "KILN_QEMU, KILN_QEMU_ARGS, KILN_SERIAL_LOG, KILN_DEBUGCON and KILN_LOADER_* override it (docs/running.md).\n"
         "Old spellings: --config and --log (ambiguous) are refused, naming the options that replace them.\n"
         "\n"
         "TARGET must be a kernel ELF or a disk image (MBR or GPT); anything else is refused, naming what it is.\n"
         "A guest that resets (a triple fault) or firmware that finds nothing to boot ends the run (exit 1).\n"
         "\n"
         "exit status: run mode 0 when the kernel exits with the success code, else QEMU's; in test mode\n"
         "0 passed, 1 failed, 124 timed out; 130 after Ctrl-C. As a cargo runner: docs/running.md.\n"
         "\n"
         "examples:\n"
         "  kiln run build/kernel.elf\n"
         "  kiln run build/kernel.elf --firmware uefi --memory 2G --cpus 4 --cmdline 'log=debug'\n"
         "  kiln run disk.img --machine pc --disk usb --gui\n"
         "  kiln run build/kernel.elf --gdb\n"
         "  kiln run build/kernel.elf --test --timeout 30 --expect 'kernel: ready' --reply 'login: =root\\n'\n"
         "  kiln run build/kernel.elf --dry-run --profile ci\n"
         "  kiln run build/kernel.elf --accel auto --serial-log serial.log --loader-log debug\n"
         "  kiln run build/kernel.elf -- -d int,cpu_reset -D qemu.log");
}

int cmd_run(int argc, char **argv) {
    struct arena a = {0};
    struct rc_cli cli = {0};
    if (!boot_command_line(&a, RC_RUN, argc, argv, NULL, NULL, usage_run, &cli)) {
        arena_free(&a);
        return 0;
    }
    kiln_err e;
    const char *const *envp = (const char *const *)environ;
    struct boot b;
    memset(&b, 0, sizeof b);
    rc_init(&b.cfg);
    struct rc_ctx ctx = {envp, NULL, RC_RUN};
    if (!rc_resolve(&b.cfg, &cli, NULL, &ctx, &e)) die("%s", e.msg);
    struct run_config *c = &b.cfg;

    /* The log is opened before anything is built or run, so a log kiln
     * cannot write stops the run at once. */
    int logs[SESSION_LOGS] = {-1, -1};
    const char *log_what = NULL;
    if (c->v[K_SERIAL_LOG].set && !cli.dry_run) {
        log_what = arena_printf(&a, "%s %s", rc_named(c, K_SERIAL_LOG), c->v[K_SERIAL_LOG].str);
        logs[0] = log_open(c->v[K_SERIAL_LOG].str, log_what);
    }
    boot_prepare(&b, cli.dry_run);
    if (cli.dry_run) {
        boot_print_dry_run(stdout, &b);
        boot_free(&b);
        arena_free(&a);
        return 0;
    }

    /* In run mode the user types to the guest: from a terminal only when
     * kiln runs in the foreground (reading it otherwise stops the job). */
    bool forward = !c->test && !c->v[K_MONITOR].num;
    bool tty = isatty(0);
    if (forward && tty && tcgetpgrp(0) != getpgrp()) forward = false;
    if (c->v[K_GDB].num) {
        fprintf(stderr, "kiln: QEMU waits for gdb on localhost:1234; attach with:\n    %s\n", gdb_command(&b));
        if (c->test && c->v[K_TIMEOUT].num) fprintf(stderr, "kiln: %s: no timeout while debugging\n", rc_named(c, K_GDB));
    }
    if (!c->v[K_GDB].num) say_how_to_quit(c, log_what);
    qemu_install_signals();
    if (forward && tty) tty_raw();
    if (!boot_start(&b, true, forward, logs, &e)) die("%s", e.msg);
    struct session *s = &b.sess;
    for (;;) {
        while (!session_done(s)) {
            if (qemu_signalled && !s->interrupted) {
                s->interrupted = true;
                session_stop(s);
            }
            sessions_poll(&s, 1, 200);
        }
        int r = boot_retry(&b, &e); /* KVM failed under --accel auto: again with TCG */
        if (r < 0) die("%s", e.msg);
        if (r == 0) break;
    }
    tty_restore();
    int log_err = s->log[0].err;
    if (logs[0] >= 0 && close(logs[0]) != 0 && !log_err) log_err = errno;
    boot_finish(&b);
    const struct verdict *v = &b.verdict;
    int status = v->exit_code;
    const char *nl = b.watch.len ? "\n" : ""; /* after an unfinished serial line */
    if (s->interrupted) {
        fprintf(stderr, "%skiln: interrupted\n", nl);
    } else if (c->test) {
        if (b.sess.timed_out && !v->passed) fprintf(stderr, "%skiln: test timed out after %d s\n", nl, b.timeout_s);
        else if (!v->passed) fprintf(stderr, "%skiln: test failed: %s (%.1f s)\n", nl, v->reason, b.seconds);
        else if (v->reason[0]) fprintf(stderr, "%skiln: test passed: %s (%.1f s)\n", nl, v->reason, b.seconds);
        else fprintf(stderr, "%skiln: test passed (%.1f s)\n", nl, b.seconds);
        if (!v->passed) boot_print_tail(&b, stderr, "    ");
    } else if (b.sess.reset_cause || b.sess.no_boot) {
        fprintf(stderr, "%skiln: %s\n", nl, v->reason);
        boot_print_tail(&b, stderr, "    ");
        if (b.sess.reset_cause) fprintf(stderr, "    the CPU state at the reset (QEMU -d cpu_reset):\n%s\n", indent(&a, b.sess.reset_state));
    } else if (v->reason[0] && (b.sess.timed_out || b.sess.guest_stuck || b.watch.next_expect < b.watch.nexpect)) {
        fprintf(stderr, "%skiln: %s\n", nl, v->reason);
    }
    if (c->v[K_SCREENSHOT].set) {
        const struct screenshot *sh = &b.shot;
        if (sh->taken) fprintf(stderr, "kiln: screenshot (%ux%u) in %s\n", sh->width, sh->height, sh->png);
        else if (b.sess.shot_tried) fprintf(stderr, "kiln: no screenshot: %s\n", sh->why);
        else fprintf(stderr, "kiln: no screenshot: QEMU exited before kiln stopped it (a kernel that ends the run "
                             "itself: --expect takes the picture when the output matches)\n");
        if (!sh->taken && status == 0) status = 1;
    }
    if (log_err) {
        fprintf(stderr, "kiln: error: %s: write failed: %s\n", log_what, strerror(log_err));
        if (status == 0) status = 1;
    }
    boot_free(&b);
    arena_free(&a);
    return status;
}
