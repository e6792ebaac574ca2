/* resolve.c - a command's configuration from its layers, lowest first:
 * built-in defaults, the project file and profile (projectfile.c), the
 * environment (environment.c), the command line and the plan line; then
 * the checks that need every layer, and --dry-run's listing of every value
 * with its source. */
#include <stdlib.h>
#include <string.h>

#include "tools/kiln/config/internal.h"

/* --- resolving ------------------------------------------------------------------------ */

static void set_default(struct run_config *c, enum rc_key k, long num, const char *str, const char *note) {
    c->v[k] = (struct rc_value){true, num, str, {RC_DEFAULT, NULL, 0, NULL, note}};
}

static bool apply_settings(struct run_config *c, const struct rc_cli *cli, kiln_err *e) {
    for (size_t i = 0; i < cli->n; i++) {
        const struct rc_setting *s = &cli->set[i];
        struct rc_input in = {.text = s->text, .flag = s->flag, .is_flag = s->text == NULL};
        if (!rc_apply(c, s->key, &in, &s->src, e)) return false;
    }
    return true;
}

static bool apply_target(struct run_config *c, const struct rc_cli *cli, kiln_err *e) {
    bool image = c->cmd == RC_IMAGE;
    if (cli->ntargets > 1 && image)
        return err_set(e, "image: more than one kernel given ('%s' and '%s')", cli->targets[0], cli->targets[1]);
    if (cli->ntargets > 1)
        return err_set(e, "%smore than one TARGET ('%s' and '%s')",
                       cli->base.layer == RC_PLAN ? arena_printf(&c->a, "%s:%d: ", cli->base.file, cli->base.line) : "",
                       cli->targets[0], cli->targets[1]);
    if (cli->ntargets == 1) {
        struct rc_source src = cli->base;
        src.name = image ? "KERNEL" : "TARGET";
        struct rc_input in = {.text = cli->targets[0]};
        return rc_apply(c, K_KERNEL, &in, &src, e);
    }
    return true;
}

/* kiln image's values are used as they are (no templates): its checks are
 * that it has something to build and somewhere to put it. */
static bool finish_image(struct run_config *c, kiln_err *e) {
    if (!c->v[K_KERNEL].set) return err_set(e, "image: no kernel given (usage: kiln image KERNEL -o OUT)");
    if (!c->v[K_OUTPUT].set) return err_set(e, "image: no output given (-o OUT)");
    return true;
}

static bool finish(struct run_config *c, kiln_err *e) {
    struct rc_value *v = c->v;
    if (!v[K_KERNEL].set)
        return err_set(e, "no TARGET: name a kernel ELF or a disk image (kiln run TARGET), or set kernel = \"...\" "
                          "in kiln.toml");
    if (!v[K_DISK].set)
        set_default(c, K_DISK, v[K_MACHINE].num == MACHINE_PC ? DISK_IDE : DISK_AHCI, NULL,
                    v[K_MACHINE].num == MACHINE_PC ? "for machine pc" : "for machine q35");
    if (v[K_MACHINE].num == MACHINE_Q35 && v[K_DISK].num == DISK_IDE) {
        const char *s1 = rc_source_str(&c->a, &v[K_DISK].src), *s2 = rc_source_str(&c->a, &v[K_MACHINE].src);
        return err_set(e, "disk ide (%s) needs machine pc: the q35 machine (%s) has no legacy IDE controller; use "
                          "disk ahci (its SATA controller) or machine pc",
                       s1, s2);
    }
    if (v[K_SECURE_BOOT].num) {
        /* Debian's Secure Boot OVMF needs SMM, which QEMU emulates for it on q35. */
        const char *sb = rc_source_str(&c->a, &v[K_SECURE_BOOT].src);
        if (v[K_FIRMWARE].num != FW_UEFI)
            return err_set(e, "secure boot (%s) needs firmware uefi (%s)", sb, rc_source_str(&c->a, &v[K_FIRMWARE].src));
        if (v[K_MACHINE].num != MACHINE_Q35)
            return err_set(e, "secure boot (%s) needs machine q35 (%s): the Secure Boot OVMF build needs SMM", sb,
                           rc_source_str(&c->a, &v[K_MACHINE].src));
    }
    if (!rc_check_vars(c, e)) return false;
    if (v[K_CMDLINE].set) {
        char *x;
        if (!rc_expand(c, v[K_CMDLINE].str, "cmdline", &v[K_CMDLINE].src, &x, e)) return false;
        if (strchr(x, '\n')) return err_set(e, "%s: the kernel command line may not contain a newline",
                                            rc_source_str(&c->a, &v[K_CMDLINE].src));
        v[K_CMDLINE].str = x;
    }
    struct rc_list *qa = rc_list(c, K_QEMU_ARGS);
    for (size_t i = 0; i < qa->n; i++) {
        char *x;
        if (!rc_expand(c, qa->items[i].str, "qemu_args", &qa->items[i].src, &x, e)) return false;
        qa->items[i].str = x;
    }
    return true;
}

/* Layer 0: built-in defaults. */
static void set_defaults(struct run_config *c) {
    set_default(c, K_KIND, KIND_HYBRID, NULL, NULL);
    if (c->cmd == RC_IMAGE) {
        set_default(c, K_QUIET, 0, NULL, NULL);
        return;
    }
    set_default(c, K_FIRMWARE, FW_BIOS, NULL, NULL);
    set_default(c, K_MACHINE, MACHINE_Q35, NULL, NULL);
    set_default(c, K_MEMORY, 256, NULL, NULL);
    set_default(c, K_CPUS, 1, NULL, NULL);
    set_default(c, K_ACCEL, ACCEL_TCG, NULL, NULL);
    set_default(c, K_QEMU, 0, "qemu-system-x86_64", NULL);
    set_default(c, K_GUI, 0, NULL, NULL);
    set_default(c, K_NET, 0, NULL, NULL);
    set_default(c, K_TIMEOUT, c->test ? 60 : 0, NULL, c->test ? "in test mode" : "in run mode");
    set_default(c, K_GDB, 0, NULL, NULL);
    set_default(c, K_MONITOR, 0, NULL, NULL);
    set_default(c, K_EXPECT_FAIL, 0, NULL, NULL);
    set_default(c, K_VERBOSE, 0, NULL, NULL);
    set_default(c, K_ALLOW_REBOOT, 0, NULL, NULL);
    set_default(c, K_SUCCESS_CODE, 33, NULL, NULL);
    set_default(c, K_SECURE_BOOT, 0, NULL, NULL);
}

/* cargo runs test binaries from target/TRIPLE/PROFILE/deps/NAME-HASH (as a
 * runner: `kiln run FILE`): those boot in test mode, with the test
 * timeout, as bootimage and cargo-image-runner do. The hash is 16 hex
 * digits. */
static bool cargo_test_binary(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash || slash - path < 5 || strncmp(slash - 5, "/deps", 5)) return false;
    const char *dash = strrchr(slash, '-');
    if (!dash || strlen(dash + 1) != 16) return false;
    return strspn(dash + 1, "0123456789abcdef") == 16;
}

bool rc_resolve(struct run_config *c, const struct rc_cli *cli, const struct rc_cli *plan, const struct rc_ctx *ctx,
                kiln_err *e) {
    c->cmd = ctx->cmd;
    c->test = ctx->cmd == RC_TEST || cli->test || (plan && plan->test);
    if (ctx->cmd == RC_TEST) c->test_src = (struct rc_source){RC_CLI, NULL, 0, NULL, "kiln test"};
    else if (c->test) c->test_src = (struct rc_source){RC_CLI, NULL, 0, NULL, "--test"};
    else c->test_src = (struct rc_source){RC_DEFAULT, NULL, 0, NULL, NULL};
    set_defaults(c);

    /* Layers 1 and 2: the project file and the profile. */
    if (!rc_apply_file(c, cli, ctx, e)) return false;

    /* Layer 3: the environment. */
    if (!rc_apply_env(c, ctx->envp, e)) return false;

    /* Layers 4 and 5: the command line, the plan line. */
    if (!apply_settings(c, cli, e) || !apply_target(c, cli, e)) return false;
    if (plan && (!apply_settings(c, plan, e) || !apply_target(c, plan, e))) return false;
    if (c->cmd == RC_RUN && !c->test && c->v[K_KERNEL].set && cargo_test_binary(c->v[K_KERNEL].str)) {
        c->test = true;
        c->test_src = (struct rc_source){RC_DEFAULT, NULL, 0, NULL, "for a cargo test binary (TARGET in deps/)"};
        if (c->v[K_TIMEOUT].src.layer == RC_DEFAULT) set_default(c, K_TIMEOUT, 60, NULL, "in test mode");
    }
    return c->cmd == RC_IMAGE ? finish_image(c, e) : finish(c, e);
}

/* --- printing --------------------------------------------------------------------------------- */

static void print_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
        else if (*s == '\n') fputs("\\n", f);
        else if (*s == '\r') fputs("\\r", f);
        else if (*s == '\t') fputs("\\t", f);
        else if ((unsigned char)*s < 0x20) fprintf(f, "\\x%02x", (unsigned char)*s);
        else fputc(*s, f);
    }
    fputc('"', f);
}

void rc_print(FILE *f, struct run_config *c) {
    struct arena *a = &c->a;
    fprintf(f, "%-13s = %s\n", "config file", c->config_file ? c->config_file : "(none)");
    if (c->profile) fprintf(f, "%-13s = %s  (%s)\n", "profile", c->profile, rc_source_str(a, &c->profile_src));
    else fprintf(f, "%-13s = (none)\n", "profile");
    if (c->cmd != RC_IMAGE)
        fprintf(f, "%-13s = %s  (%s)\n", "mode", c->test ? "test" : "run", rc_source_str(a, &c->test_src));
    for (int k = 0; k < K_NVALUES; k++) {
        const struct rc_value *v = &c->v[k];
        if (!rc_key_for((enum rc_key)k, c->cmd)) continue;
        fprintf(f, "%-13s = ", rc_key_name((enum rc_key)k));
        if (!v->set) {
            fputs("(none)\n", f);
            continue;
        }
        switch (rc_keys[k].type) {
        case T_INT: fprintf(f, "%ld", v->num); break;
        case T_ENUM: fputs(rc_enum_name((enum rc_key)k, v->num), f); break;
        case T_BOOL: fputs(v->num ? "true" : "false", f); break;
        case T_FAIL:
            fputs(v->num ? "true" : "false", f);
            if (v->num && v->str && *v->str) {
                fputs(" (reason matching ", f);
                print_str(f, v->str);
                fputc(')', f);
            }
            break;
        case T_STR:
        case T_REGEX:
        case T_IMGCFG: print_str(f, v->str); break;
        default: fputs(v->str, f); break;
        }
        fprintf(f, "  (%s)\n", rc_source_str(a, &v->src));
    }
    for (int k = K_NVALUES; k < K_COUNT; k++) {
        const struct rc_list *l = rc_clist(c, (enum rc_key)k);
        if (!rc_key_for((enum rc_key)k, c->cmd)) continue;
        if (!l->n) fprintf(f, "%-13s = []\n", rc_key_name((enum rc_key)k));
        for (size_t i = 0; i < l->n; i++) {
            fprintf(f, "%-13s += ", rc_key_name((enum rc_key)k));
            if (rc_keys[k].type == T_MODULES) fputs(l->items[i].str, f);
            else print_str(f, l->items[i].str);
            fprintf(f, "  (%s)\n", rc_source_str(a, &l->items[i].src));
        }
    }
    for (size_t i = 0; i < c->nvars; i++) {
        fprintf(f, "vars.%-8s = ", c->vars[i].name);
        print_str(f, c->vars[i].value);
        fprintf(f, "  (%s)\n", rc_source_str(a, &c->vars[i].src));
    }
}

/* --- checks that need to know what TARGET is ----------------------------------------- */

bool rc_check_target(struct run_config *c, bool is_elf, kiln_err *e) {
    const struct rc_value *v = c->v;
    if (!is_elf) return true; /* an image is booted as it is: kind does not apply */
    const char *ks = rc_source_str(&c->a, &v[K_KIND].src), *fs = rc_source_str(&c->a, &v[K_FIRMWARE].src);
    if (v[K_FIRMWARE].num != FW_BIOS && v[K_KIND].num == KIND_BIOS)
        return err_set(e, "kind bios (%s) cannot boot with firmware %s (%s): a bios image has no EFI system "
                          "partition; use kind hybrid or uefi",
                       ks, v[K_FIRMWARE].num == FW_UEFI ? "uefi" : "uboot", fs);
    if (v[K_FIRMWARE].num == FW_BIOS && v[K_KIND].num == KIND_UEFI)
        return err_set(e, "kind uefi (%s) cannot boot with firmware bios (%s): a uefi image has no BIOS boot code; "
                          "use kind hybrid or bios",
                       ks, fs);
    return true;
}
