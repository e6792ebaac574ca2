/* image.c - `kiln image`: its settings, through the same table as kiln
 * run's (options, kiln.toml, KILN_* variables, --dry-run), into an image;
 * and the argument handling of this part's one-path commands (check,
 * info). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/kiln/image/image.h"
#include "tools/kiln/util/die.h"

extern char **environ;

static void usage_image(void) {
    puts("usage: kiln image KERNEL -o OUT [options]\n"
         "Build a bootable raw disk image from a kernel ELF file. Settings also come from kiln.toml (the\n"
         "nearest one upwards: its top level, [image], a profile) and KILN_* variables (docs/running.md);\n"
         "the command line wins.\n"
         "\n"
         "  -o, --output OUT       image file to write (replaced atomically)\n"
         "  --kind KIND            hybrid (BIOS and UEFI, default), bios (MBR only), uefi (GPT only),\n"
         "                         iso (CD/DVD and USB stick, BIOS and UEFI; needs xorriso; docs/iso.md)\n"
         "                         pxe (OUT is a folder for a TFTP server: network boot, BIOS and UEFI)\n"
         "  --sign-key KEY         with --sign-cert: put the payload's SHA-256 into BOOTX64.EFI and sign\n"
         "  --sign-cert CERT       it with sbsign for UEFI Secure Boot (docs/secure-boot.md)\n"
         "  --module FILE[=NAME]   add a module (repeatable); NAME defaults to the file name\n"
         "  --cmdline STR          kernel command line\n"
         "  --kernel-name NAME     the kernel's name in the payload (default: its file name; at most\n"
         "                         63 bytes of printable ASCII)\n"
         "  --loader-log LEVEL     loader log level: error, warn, info (default), debug (--log LEVEL is\n"
         "                         the old spelling)\n"
         "  --fb MODE              framebuffer: auto, keep, none, WxH, max:WxH, min:WxH\n"
         "                         (overrides the kernel's KILN_CONFIG wish)\n"
         "  --serial on|off        loader output on COM1 (default on)\n"
         "  --image-config FILE    image config text to include (see docs/config.md)\n"
         "  -q, --quiet            no warnings\n"
         "  --project FILE         the project file (default: the nearest kiln.toml upwards)\n"
         "  --no-project           no project file\n"
         "  --profile NAME         apply [profile.NAME] and [profile.NAME.image] from kiln.toml (or KILN_PROFILE)\n"
         "  --dry-run              print the resolved settings, each with its source; build nothing\n"
         "kiln.toml keys: kernel, kernel_name, output, kind, modules, cmdline, image_config, loader_log, loader_fb,\n"
         "loader_serial, quiet; KILN_KIND, KILN_LOADER_LOG, KILN_LOADER_FB and KILN_LOADER_SERIAL override\n"
         "them. KILN_CONFIG_FILE names the project file (empty: none). The options mean the same in\n"
         "kiln run and kiln test.\n"
         "\n"
         "examples:\n"
         "  kiln image build/kernel.elf -o disk.img --module initrd.tar=initrd --cmdline 'console=serial'\n"
         "  kiln image --dry-run --profile release");
}

/* kiln image's test hook (--stage1 FILE: another stage 1 binary) and its
 * message for any other option it does not know. */
static int image_option(void *ctx, int argc, char **argv, int i, kiln_err *e) {
    const char **stage1 = ctx;
    if (strcmp(argv[i], "--stage1"))
        return err_set(e, "image: unknown option '%s' (see kiln image --help)", argv[i]), -1;
    if (i + 1 >= argc) return err_set(e, "%s needs a value", argv[i]), -1;
    *stage1 = argv[i + 1];
    return 2;
}

/* kiln image's own messages for its command-line values, as it has always
 * printed them. They come before the settings table's checks, which word
 * theirs alike for every source and command ("--kind floppy: must be
 * hybrid, bios, uefi, iso or pxe"; a module's empty NAME), so those never see these
 * values. */
static void check_cli_values(const struct rc_cli *cli) {
    for (size_t i = 0; i < cli->n; i++) {
        const struct rc_setting *s = &cli->set[i];
        enum image_kind kind;
        if (s->key == K_KIND && !parse_kind(s->text, &kind)) die("--kind: '%s' is not hybrid, bios, uefi, iso or pxe", s->text);
        const char *eq = s->key == K_MODULES ? strchr(s->text, '=') : NULL;
        if (eq && !eq[1]) die("%.*s: empty name", (int)(eq - s->text), s->text);
    }
}

int cmd_image(int argc, char **argv) {
    struct arena a = {0};
    struct rc_cli cli = {0};
    const char *stage1 = NULL;
    kiln_err e;
    const struct rc_source base = {RC_CLI, NULL, 0, NULL, NULL};
    if (!rc_parse_cli(&a, RC_IMAGE, argc, argv, &base, &cli, image_option, &stage1, &e)) die("%s", e.msg);
    if (cli.help) {
        usage_image();
        arena_free(&a);
        return 0;
    }
    check_cli_values(&cli);
    struct run_config c;
    rc_init(&c);
    const struct rc_ctx ctx = {(const char *const *)environ, NULL, RC_IMAGE};
    if (!rc_resolve(&c, &cli, NULL, &ctx, &e)) die("%s", e.msg);
    const struct rc_value *v = c.v;
    if (!v[K_QUIET].num) rc_warn_unknown_env(ctx.envp);
    if (cli.dry_run) {
        printf("# the resolved configuration, each value with its source\n");
        rc_print(stdout, &c);
    } else {
        /* an unset value's string is NULL: none, the loader's default */
        struct image_opts o = {.kernel = v[K_KERNEL].str, .out = v[K_OUTPUT].str, .config_file = v[K_IMAGE_CONFIG].str,
                               .log_level = v[K_LOADER_LOG].str, .fb = v[K_LOADER_FB].str,
                               .serial = v[K_LOADER_SERIAL].str, .stage1 = stage1, .quiet = v[K_QUIET].num != 0};
        image_opts_from(&c, &o);
        if (o.cmdline) o.cmdline_name = rc_named(&c, K_CMDLINE);
        image_build(&o);
    }
    rc_free(&c);
    arena_free(&a);
    return 0;
}

const char *one_path_arg(int argc, char **argv, const char *cmd, const char *noun, const char *metavar,
                         const char *help) {
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: kiln %s %s\n%s\n", cmd, metavar, help);
            return NULL;
        }
        if (argv[i][0] == '-') die("%s: unknown option '%s'", cmd, argv[i]);
        if (path) die("%s: one %s at a time", cmd, noun);
        path = argv[i];
    }
    if (!path) die("%s: no %s given (usage: kiln %s %s)", cmd, noun, cmd, metavar);
    return path;
}
