/* build.c - building an image: kernel (+ modules, config) -> bootable disk
 * image (see image.h).
 *
 * The kernel is validated with the loader's own ELF and config code first,
 * so a kernel the loader would refuse never makes it into an image. The
 * layout is described in docs/disk-layout.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/elf.h"
#include "format/efiseal.h"
#include "format/imgconfig.h"
#include "core/kconfig.h"
#include "format/mbr.h"
#include "format/payload.h"
#include "core/vaplan.h"
#include "tools/kiln/image/image.h"
#include "tools/kiln/util/die.h"

#define MAX_KERNEL ((size_t)GIB(1))
#define MAX_MODULE ((size_t)GIB(2))

bool parse_kind(const char *s, enum image_kind *k) {
    if (!strcmp(s, "hybrid")) *k = KIND_HYBRID;
    else if (!strcmp(s, "bios")) *k = KIND_BIOS;
    else if (!strcmp(s, "uefi")) *k = KIND_UEFI;
    else if (!strcmp(s, "iso")) *k = KIND_ISO;
    else if (!strcmp(s, "pxe")) *k = KIND_PXE;
    else return false;
    return true;
}

const char *kind_name(enum image_kind k) {
    static const char *const names[] = {"hybrid", "bios", "uefi", "iso", "pxe"}; /* enum image_kind order */
    return (unsigned)k < ARRAY_LEN(names) ? names[k] : "hybrid";
}

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* A payload entry's name: 1..63 bytes of printable ASCII. how says how to
 * give another ("--module FILE=NAME"). */
static void check_name(const char *name, const char *what, const char *how) {
    size_t n = strlen(name);
    if (n == 0) die("%s: empty name", what);
    if (n >= PAYLOAD_NAME_MAX)
        die("%s: name '%s' is longer than %u characters (%s)", what, name, PAYLOAD_NAME_MAX - 1, how);
    for (size_t i = 0; i < n; i++)
        if (name[i] < 0x20 || name[i] > 0x7e)
            die("%s: name has a character that is not printable ASCII (%s)", what, how);
}

/* One option's config line, parsed alone so that an error names the option
 * rather than a line of text the user never wrote. */
static void check_option_line(const char *opt, const char *line) {
    kiln_err e;
    if (!rc_check_image_line(line, &e)) die("%s: %s", opt, e.msg);
}

/* The image config text: the user's file, then one line per option. */
static char *build_config(const struct image_opts *o, size_t *len) {
    size_t cap = IMGCONFIG_MAX_SIZE + 1, n = 0;
    char *text = xcalloc(1, cap + 1);
    if (o->config_file) {
        size_t sz;
        uint8_t *f = read_file(o->config_file, &sz, IMGCONFIG_MAX_SIZE);
        memcpy(text, f, sz);
        n = sz;
        free(f);
        struct imgconfig c;
        kiln_err e;
        if (!imgconfig_parse(text, n, &c, &e)) die("%s: %s", o->config_file, e.msg);
        if (n && text[n - 1] != '\n') text[n++] = '\n';
    }
#define ADD(opt, ...) do { \
        int w = snprintf(text + n, cap - n, __VA_ARGS__); \
        if (w < 0 || (size_t)w >= cap - n) die("config: more than %u bytes", IMGCONFIG_MAX_SIZE); \
        check_option_line(opt, text + n); \
        n += (size_t)w; \
    } while (0)
    if (o->cmdline) {
        const char *what = o->cmdline_name ? o->cmdline_name : "--cmdline";
        if (strchr(o->cmdline, '\n')) die("%s: the command line may not contain a newline", what);
        /* before the config's own limit (16 KiB), which a long one would hit first */
        if (strlen(o->cmdline) > IMGCONFIG_CMDLINE_MAX)
            die("%s: the command line is %zu bytes; the limit is %u", what, strlen(o->cmdline), IMGCONFIG_CMDLINE_MAX);
        ADD(what, "cmdline=%s\n", o->cmdline);
    }
    if (o->log_level) ADD("--loader-log", "log=%s\n", o->log_level);
    if (o->fb) ADD("--fb", "fb=%s\n", o->fb);
    if (o->serial) ADD("--serial", "serial=%s\n", o->serial);
#undef ADD
    *len = n;
    return text;
}

void image_opts_from(struct run_config *c, struct image_opts *o) {
    const struct rc_value *v = c->v;
    o->kind = (enum image_kind)v[K_KIND].num;
    if (v[K_KERNEL_NAME].set) o->kernel_name = v[K_KERNEL_NAME].str;
    o->sign_key = v[K_SIGN_KEY].str;
    o->sign_cert = v[K_SIGN_CERT].str;
    if (v[K_CMDLINE].set) o->cmdline = v[K_CMDLINE].str;
    if (v[K_LOADER_LOG].set) o->log_level = v[K_LOADER_LOG].str;
    if (v[K_LOADER_FB].set) o->fb = v[K_LOADER_FB].str;
    if (v[K_LOADER_SERIAL].set) o->serial = v[K_LOADER_SERIAL].str;
    const struct rc_list *mods = rc_clist(c, K_MODULES);
    if (mods->n > MAX_MODULES) die("more than %d modules", MAX_MODULES);
    for (size_t i = 0; i < mods->n; i++) {
        char *m = arena_strdup(&c->a, mods->items[i].str), *eq = strchr(m, '=');
        if (eq) *eq = 0;
        o->module_path[o->nmodules] = m;
        o->module_name[o->nmodules++] = eq ? eq + 1 : NULL;
    }
}

/* The payload's bytes in one buffer: the header, each item at its offset,
 * zeros between (what disk_write leaves as holes). */
static uint8_t *payload_bytes(const struct payload_out *p, uint64_t total) {
    uint8_t *b = xcalloc(1, total);
    memcpy(b, p->header, p->header_size);
    for (uint32_t i = 0; i < p->n; i++)
        if (p->items[i].size) memcpy(b + p->offsets[i], p->items[i].data, p->items[i].size);
    return b;
}

void report_elf_warnings(const struct elf_image *img, const char *path, bool notes) {
    char msg[1024];
    for (uint32_t w = 1; w & ELF_WARN_ALL; w <<= 1) {
        int level = elf_warning(img, w, path, msg, sizeof msg);
        if (level == ELF_WARNING) warnx("%s", msg);
        else if (level == ELF_NOTE && notes) fprintf(stderr, "kiln: %s\n", msg);
    }
}

void image_build(const struct image_opts *o) {
    kiln_err e;
    size_t ksize;
    uint8_t *kernel = read_regular_file(o->kernel, &ksize, MAX_KERNEL);
    struct elf_image img;
    struct kiln_config cfg;
    if (!elf_parse(kernel, ksize, &img, &e)) die("%s: %s", o->kernel, e.msg);
    if (!kconfig_resolve(img.config, img.config_size, &cfg, &e)) die("%s: %s", o->kernel, e.msg);
    if (!o->quiet) report_elf_warnings(&img, o->kernel, true);
    /* Collisions between the kernel and fixed placements do not depend on
     * the machine: refuse them now rather than at boot. (Sizes of the
     * framebuffer and RAM are guesses here; the loader checks again.) */
    struct plan_input pin = {.elf = &img, .cfg = &cfg, .phys_map_size = GIB(4), .boot_info_size = 2 * PAGE_SIZE,
                             .kernel_file_size = ksize};
    struct boot_plan plan;
    if (!plan_build(&pin, &plan, &e)) die("%s: %s", o->kernel, e.msg);

    struct payload_item ents[PAYLOAD_MAX_ENTRIES];
    uint32_t n = 0;

    size_t clen;
    char *ctext = build_config(o, &clen);
    struct imgconfig parsed;
    /* The file and each option were checked alone: what is left is a key
     * given both in the file and as an option, or the total size. */
    if (!imgconfig_parse(ctext, clen, &parsed, &e))
        die("%s and the options together: %s", o->config_file ? o->config_file : "the config", e.msg);
    if (clen) ents[n++] = (struct payload_item){PAYLOAD_CONFIG, "kiln.cfg", (const uint8_t *)ctext, clen};

    const char *kname = o->kernel_name ? o->kernel_name : base_name(o->kernel);
    check_name(kname, o->kernel_name ? "--kernel-name" : o->kernel,
               o->kernel_name ? "the payload's limit" : "name the kernel's entry with --kernel-name NAME");
    ents[n++] = (struct payload_item){PAYLOAD_KERNEL, kname, kernel, ksize};

    /* MAX_MODULES plus the kernel, the config and stage 2 is one more than
     * the PAYLOAD_MAX_ENTRIES slots of ents[] (and of a payload): check the sum. */
    bool with_s2 = o->kind != KIND_UEFI && o->kind != KIND_PXE; /* pxe: kiln-bios.0 carries stage 2 */
    uint32_t s2ents = with_s2;
    if (n + s2ents + (uint32_t)o->nmodules > PAYLOAD_MAX_ENTRIES)
        die("%d modules are too many: the payload holds %u entries, %u of them for the kernel%s%s", o->nmodules,
            PAYLOAD_MAX_ENTRIES, n + s2ents, clen ? ", the image config" : "", s2ents ? ", stage 2" : "");

    for (int i = 0; i < o->nmodules; i++) {
        size_t msize;
        uint8_t *m = read_regular_file(o->module_path[i], &msize, MAX_MODULE);
        const char *name = o->module_name[i] ? o->module_name[i] : base_name(o->module_path[i]);
        check_name(name, o->module_path[i], "name it with --module FILE=NAME");
        for (uint32_t j = 0; j < n; j++)
            if (ents[j].type == PAYLOAD_MODULE && !strcmp(ents[j].name, name))
                die("two modules named '%s' (use --module FILE=NAME to rename one)", name);
        ents[n++] = (struct payload_item){PAYLOAD_MODULE, name, m, msize};
    }

    /* Stage 2 is sealed for this image (format/mbr.h): its header gets its
     * length, CRC-32 and the Kiln partition's size, which the layout gives
     * from the payload's size alone, before the payload is written. */
    size_t s2size = (size_t)(kiln_stage2_end - kiln_stage2);
    uint8_t *stage2 = xmalloc(s2size);
    memcpy(stage2, kiln_stage2, s2size);
    if (with_s2) ents[n++] = (struct payload_item){PAYLOAD_STAGE2, "stage2.bin", stage2, s2size};

    uint64_t total = payload_size(ents, n), offs[PAYLOAD_MAX_ENTRIES], stage2_off = 0;
    struct disk_layout dl = {0};
    /* pxe: no disk; stage 2 (in kiln-bios.0) is sealed with the payload's
     * own size, which the loader checks again against the file it fetched.
     * An ISO's Kiln partition is the payload file itself (iso.c). */
    if (o->kind != KIND_PXE) disk_plan(&dl, o->kind, total);
    uint64_t part_sectors =
        o->kind == KIND_ISO || o->kind == KIND_PXE ? align_up(total, SECTOR) / SECTOR : dl.kiln_sectors;
    if (o->kind != KIND_UEFI && !stage2_seal(stage2, s2size, part_sectors, &e)) die("internal: %s", e.msg);
    uint8_t *header = xcalloc(1, PAYLOAD_HEADER_MAX);
    uint32_t hsize = payload_write_header(header, ents, n, offs);
    for (uint32_t i = 0; i < n; i++)
        if (ents[i].type == PAYLOAD_STAGE2) stage2_off = offs[i];
    if (!payload_validate(header, hsize, total, &e)) die("internal: built an invalid payload: %s", e.msg);
    struct payload_out pout = {header, hsize, ents, offs, n};

    const uint8_t *stage1 = kiln_stage1;
    uint8_t *stage1_buf = NULL;
    if (o->stage1) {
        size_t s1size;
        stage1_buf = read_file(o->stage1, &s1size, 512);
        if (s1size != 512) die("%s: a stage 1 must be exactly 512 bytes", o->stage1);
        stage1 = stage1_buf;
    }

    /* The UEFI loader: sealed for its self-check (format/efiseal.h), then,
     * with a key, given this payload's hash and signed (sign.c): the
     * signature must be made over the sealed file. */
    if (!o->sign_key != !o->sign_cert)
        die("%s: signing needs both --sign-key and --sign-cert", o->sign_key ? "--sign-key" : "--sign-cert");
    if (o->sign_key && o->kind == KIND_BIOS)
        die("--sign-key: a bios image has no UEFI loader to sign (use kind hybrid, uefi or iso)");
    size_t efi_size = (size_t)(kiln_efi_end - kiln_efi);
    uint8_t *efi = xmalloc(efi_size);
    memcpy(efi, kiln_efi, efi_size);
    if (!efi_seal(efi, efi_size, &e)) die("internal: %s", e.msg);
    /* The payload as one buffer, only where it is needed whole: its hash,
     * and the ISO's payload file. */
    uint8_t *payload = o->sign_key || o->kind == KIND_ISO ? payload_bytes(&pout, total) : NULL;
    if (o->sign_key) {
        uint8_t *signed_efi = sign_efi(o->sign_key, o->sign_cert, efi, efi_size, payload, total, &efi_size);
        free(efi);
        efi = signed_efi;
    }

    if (o->kind == KIND_PXE) {
        pxe_dir_write(o->out, stage2, s2size, efi, efi_size, &pout, total);
        free(efi);
        free(payload);
        free(header);
        free(stage2);
        free(ctext);
        free(kernel);
        return;
    }
    if (o->kind == KIND_ISO) {
        iso_write(o->out, stage1, payload, total, stage2_off, s2size, efi, efi_size);
        free(efi);
        free(payload);
        free(header);
        free(stage2);
        free(stage1_buf);
        free(ctext);
        free(kernel);
        return;
    }
    free(payload);
    struct out_file out;
    out_open(&out, o->out);
    out_truncate(&out, dl.disk_sectors * SECTOR);
    disk_write(&out, &dl, stage1, &pout, stage2_off, s2size, efi, efi_size);
    free(efi);
    out_commit(&out);
    free(header);
    free(stage2);
    free(stage1_buf);
    free(ctext);
    free(kernel);
}
