/* qemuargs.c - QEMU's command line for a boot, and showing it (see
 * qemu.h). */
#include <stdarg.h>
#include <string.h>

#include "format/pxe.h"
#include "tools/kiln/run/qemu.h"
#include "tools/kiln/util/shellwords.h"

/* --- the command line -------------------------------------------------------------------- */

const char *qemu_opt_value(struct arena *a, const char *s) {
    size_t n = 0;
    for (const char *p = s; *p; p++) n += *p == ',' ? 2 : 1;
    char *d = arena_alloc(a, n + 1), *q = d;
    for (const char *p = s; *p; p++) {
        *q++ = *p;
        if (*p == ',') *q++ = ',';
    }
    return d;
}

const char *qemu_drive_file(struct arena *a, const char *path) {
    /* QEMU reads "nbd:x", "http:x", "fat:x"... as a protocol when the ':'
     * comes before any '/'. */
    size_t colon = strcspn(path, ":"), slash = strcspn(path, "/");
    if (path[colon] && colon < slash) path = arena_printf(a, "./%s", path);
    return qemu_opt_value(a, path);
}

struct argvec {
    struct arena *a;
    char **v;
    size_t n, cap;
};

__attribute__((format(printf, 2, 3))) static void push(struct argvec *av, const char *fmt, ...) {
    av->v = arena_grow(av->a, av->v, av->n, &av->cap, sizeof *av->v);
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = arena_alloc(av->a, (size_t)len + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)len + 1, fmt, ap);
    va_end(ap);
    av->v[av->n++] = s;
    av->v = arena_grow(av->a, av->v, av->n, &av->cap, sizeof *av->v); /* room for the NULL at the end */
    av->v[av->n] = NULL;
}

/* The boot disk, never written (snapshot=on), or the boot CD (read-only). */
static bool disk_args(struct run_config *c, struct argvec *av, const struct qemu_inputs *in, bool pc, kiln_err *e) {
    const struct rc_value *v = c->v;
    if (in->cdrom) {
        /* A CD is read-only: nothing to snapshot. */
        push(av, "-drive"), push(av, "if=none,id=disk0,format=raw,media=cdrom,readonly=on,file=%s",
                                qemu_drive_file(&c->a, in->image));
        push(av, "-device"), push(av, pc ? "ide-cd,drive=disk0,bootindex=0" : "ide-cd,drive=disk0,bus=ide.0,bootindex=0");
        return true;
    }
    push(av, "-drive"), push(av, "if=none,id=disk0,format=raw,file=%s,snapshot=on", qemu_drive_file(&c->a, in->image));
    switch ((enum rc_disk)v[K_DISK].num) {
    case DISK_IDE:
        if (!pc) return err_set(e, "disk ide needs machine pc (q35 has no legacy IDE controller): use disk ahci");
        push(av, "-device"), push(av, "ide-hd,drive=disk0,bootindex=0");
        break;
    case DISK_AHCI:
        if (pc) {
            push(av, "-device"), push(av, "ahci,id=ahci0");
            push(av, "-device"), push(av, "ide-hd,drive=disk0,bus=ahci0.0,bootindex=0");
        } else { /* q35's ICH9 has an AHCI controller built in, its ports are ide.0 .. ide.5 */
            push(av, "-device"), push(av, "ide-hd,drive=disk0,bus=ide.0,bootindex=0");
        }
        break;
    case DISK_NVME: push(av, "-device"), push(av, "nvme,serial=kiln0,drive=disk0,bootindex=0"); break;
    case DISK_VIRTIO: push(av, "-device"), push(av, "virtio-blk-pci,drive=disk0,bootindex=0"); break;
    case DISK_USB:
        push(av, "-device"), push(av, "qemu-xhci,id=xhci");
        push(av, "-device"), push(av, "usb-storage,bus=xhci.0,drive=disk0,bootindex=0");
        break;
    }
    return true;
}

/* Network boot: QEMU's user networking serves the folder over TFTP and
 * names the firmware's boot program in its DHCP reply. SeaBIOS boots it
 * with the iPXE ROM QEMU gives the NIC; for UEFI the NIC gets no ROM, so
 * OVMF's own driver and network stack (EFI_PXE_BASE_CODE_PROTOCOL) load it. */
static bool net_args(struct run_config *c, struct argvec *av, const struct qemu_inputs *in, kiln_err *e) {
    bool uefi = c->v[K_FIRMWARE].num == FW_UEFI;
    if (c->v[K_FIRMWARE].num == FW_UBOOT) return err_set(e, "firmware uboot cannot boot from the network here");
    push(av, "-netdev"), push(av, "user,id=net0,tftp=%s,bootfile=%s", qemu_opt_value(&c->a, in->image),
                              uefi ? PXE_UEFI_NAME : PXE_BIOS_NAME);
    push(av, "-device"), push(av, "virtio-net-pci,netdev=net0,bootindex=0%s", uefi ? ",romfile=" : "");
    return true;
}

bool qemu_argv(struct run_config *c, const struct qemu_inputs *in, char ***argv, int *argc, kiln_err *e) {
    struct argvec av = {&c->a, NULL, 0, 0};
    const struct rc_value *v = c->v;
    bool pc = v[K_MACHINE].num == MACHINE_PC;
    push(&av, "%s", in->qemu);
    /* Secure Boot OVMF keeps its variables safe with SMM: q35 with SMM on and
     * the flash writable only from SMM. */
    bool sb = v[K_SECURE_BOOT].num;
    push(&av, "-machine"), push(&av, "%s", pc ? "pc" : sb ? "q35,smm=on" : "q35");
    if (sb) push(&av, "-global"), push(&av, "driver=cfi.pflash01,property=secure,value=on");
    if (in->kvm) push(&av, "-accel"), push(&av, "kvm"), push(&av, "-cpu"), push(&av, "host");
    else push(&av, "-accel"), push(&av, "tcg");
    push(&av, "-m"), push(&av, "%ld", v[K_MEMORY].num);
    push(&av, "-smp"), push(&av, "%ld", v[K_CPUS].num);
    if (v[K_FIRMWARE].num == FW_UEFI) {
        if (!in->ovmf_code || !in->ovmf_vars) return err_set(e, "internal: firmware uefi without OVMF files");
        push(&av, "-drive"), push(&av, "if=pflash,format=raw,readonly=on,file=%s", qemu_drive_file(&c->a, in->ovmf_code));
        push(&av, "-drive"), push(&av, "if=pflash,format=raw,file=%s", qemu_drive_file(&c->a, in->ovmf_vars));
    }
    if (v[K_FIRMWARE].num == FW_UBOOT) {
        if (!in->uboot_rom) return err_set(e, "internal: firmware uboot without its ROM");
        push(&av, "-bios"), push(&av, "%s", in->uboot_rom); /* a plain path: QEMU takes it whole */
    }
    if (!(v[K_NET].num ? net_args(c, &av, in, e) : disk_args(c, &av, in, pc, e))) return false;
    if (in->serial_socket) {
        push(&av, "-chardev"), push(&av, "socket,id=serial0,path=%s", qemu_opt_value(&c->a, in->serial_socket));
        push(&av, "-serial"), push(&av, "chardev:serial0");
    } else {
        push(&av, "-serial"), push(&av, "stdio");
    }
    push(&av, "-monitor"), push(&av, v[K_MONITOR].num ? "stdio" : "none");
    if (!v[K_GUI].num) push(&av, "-display"), push(&av, "none");
    if (!v[K_NET].num) push(&av, "-nic"), push(&av, "none");
    /* -debugcon's legacy "file:PATH" takes the rest of the word as the path,
     * commas and all (qemu_chr_parse_compat): no doubling here. */
    if (v[K_DEBUGCON].set) push(&av, "-debugcon"), push(&av, "file:%s", v[K_DEBUGCON].str);
    /* isa-debug-exit in run mode too, so a kernel can end `kiln run`
     * (kiln_qemu_exit(): QEMU exits 33 or 35), unless the user brings one. */
    const struct rc_list *qa = rc_clist(c, K_QEMU_ARGS);
    bool own_exit_device = false;
    for (size_t i = 0; i < qa->n; i++) own_exit_device = own_exit_device || strstr(qa->items[i].str, "isa-debug-exit");
    if (!own_exit_device) push(&av, "-device"), push(&av, "isa-debug-exit,iobase=0xf4,iosize=0x04");
    /* A guest that resets: test mode ends there (-no-reboot); run mode
     * reads the CPU state QEMU dumps at each reset and stops a guest that
     * was running, unless the kernel reboots on purpose (--allow-reboot). */
    if (c->test && !v[K_ALLOW_REBOOT].num) push(&av, "-no-reboot");
    if (in->reset_log) push(&av, "-d"), push(&av, "cpu_reset"), push(&av, "-D"), push(&av, "%s", in->reset_log);
    /* SeaBIOS (and a debug OVMF) write to port 0x402; "No bootable device."
     * only reaches the screen and this port. */
    if (in->qmp_socket) { /* QEMU connects to kiln, which listens already */
        push(&av, "-chardev"), push(&av, "socket,id=kilnqmp,path=%s", qemu_opt_value(&c->a, in->qmp_socket));
        push(&av, "-mon"), push(&av, "chardev=kilnqmp,mode=control");
    }
    if (in->fw_log) {
        push(&av, "-chardev"), push(&av, "file,id=kilnfw,path=%s", qemu_opt_value(&c->a, in->fw_log));
        push(&av, "-device"), push(&av, "isa-debugcon,iobase=0x402,chardev=kilnfw");
    }
    if (v[K_GDB].num) push(&av, "-s"), push(&av, "-S");
    for (size_t i = 0; i < qa->n; i++) push(&av, "%s", qa->items[i].str);
    *argv = av.v;
    *argc = (int)av.n;
    return true;
}

void qemu_print_command(FILE *f, struct arena *a, char *const *argv) {
    fputs(shell_quote(a, argv[0]), f);
    for (size_t i = 1; argv[i]; i++) {
        fprintf(f, " \\\n    %s", shell_quote(a, argv[i]));
        if (argv[i][0] == '-' && argv[i + 1] && argv[i + 1][0] != '-') fprintf(f, " %s", shell_quote(a, argv[++i]));
    }
    fputc('\n', f);
}

