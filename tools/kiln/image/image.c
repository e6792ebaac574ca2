/* image.c - `kiln image`: its command line, and the argument handling of
 * the other one-path commands of this part (check, info). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/kiln/image/image.h"
#include "tools/kiln/util/die.h"

static void usage_image(void) {
    puts("usage: kiln image KERNEL -o OUT [options]\n"
         "Build a bootable raw disk image from a kernel ELF file.\n"
         "\n"
         "  -o, --output OUT       image file to write (replaced atomically)\n"
         "  --kind KIND            hybrid (BIOS and UEFI, default), bios (MBR only), uefi (GPT only)\n"
         "  --module FILE[=NAME]   add a module (repeatable); NAME defaults to the file name\n"
         "  --cmdline STR          kernel command line\n"
         "  --log LEVEL            loader log level: error, warn, info (default), debug\n"
         "  --fb MODE              framebuffer: auto, keep, none, WxH, max:WxH, min:WxH\n"
         "                         (overrides the kernel's KILN_CONFIG wish)\n"
         "  --serial on|off        loader output on COM1 (default on)\n"
         "  --config FILE          image config text to include (see docs/config.md)\n"
         "  -q, --quiet            no warnings\n"
         "\n"
         "example:\n"
         "  kiln image build/kernel.elf -o disk.img --module initrd.tar=initrd --cmdline 'console=serial'");
}

int cmd_image(int argc, char **argv) {
    struct image_opts o = {.kind = KIND_HYBRID};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
#define ARG() (i + 1 < argc ? argv[++i] : (die("%s needs a value", a), (char *)0))
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage_image();
            return 0;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            o.out = ARG();
        } else if (!strcmp(a, "--kind")) {
            const char *k = ARG();
            if (!parse_kind(k, &o.kind)) die("--kind: '%s' is not hybrid, bios or uefi", k);
        } else if (!strcmp(a, "--module")) {
            if (o.nmodules == MAX_MODULES) die("more than %d modules", MAX_MODULES);
            char *m = xstrdup(ARG());
            char *eq = strchr(m, '=');
            if (eq) *eq = 0;
            o.module_path[o.nmodules] = m;
            o.module_name[o.nmodules++] = eq ? eq + 1 : NULL;
        } else if (!strcmp(a, "--cmdline")) {
            o.cmdline = ARG();
        } else if (!strcmp(a, "--log")) {
            o.log_level = ARG();
        } else if (!strcmp(a, "--fb")) {
            o.fb = ARG();
        } else if (!strcmp(a, "--serial")) {
            o.serial = ARG();
        } else if (!strcmp(a, "--config")) {
            o.config_file = ARG();
        } else if (!strcmp(a, "--stage1")) { /* test hook, undocumented */
            o.stage1 = ARG();
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o.quiet = true;
        } else if (a[0] == '-' && a[1]) {
            die("image: unknown option '%s' (see kiln image --help)", a);
        } else if (!o.kernel) {
            o.kernel = a;
        } else {
            die("image: more than one kernel given ('%s' and '%s')", o.kernel, a);
        }
#undef ARG
    }
    if (!o.kernel) die("image: no kernel given (usage: kiln image KERNEL -o OUT)");
    if (!o.out) die("image: no output given (-o OUT)");
    image_build(&o);
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
