/* devices.c - what the kernel says about disks (see flash.h): sysfs's
 * block devices and the mount table, read as text, every file optional
 * (a missing model is "", a missing flag false). */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/kiln/flash/flash.h"
#include "tools/kiln/util/die.h"

void sys_paths_get(struct sys_paths *p) {
    const char *s = getenv("KILN_SYSFS"), *m = getenv("KILN_MOUNTS");
    p->sysfs = s && *s ? s : "/sys";
    p->mounts = m && *m ? m : "/proc/self/mounts";
}

/* The first line of a small file, trimmed; NULL when it cannot be read. */
static const char *read_line(struct arena *a, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char buf[256];
    const char *r = fgets(buf, sizeof buf, f) ? buf : NULL;
    fclose(f);
    if (!r) return "";
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) buf[--n] = 0;
    const char *s = buf + strspn(buf, " ");
    return arena_strdup(a, s);
}

static bool flag(struct arena *a, const char *path) {
    const char *s = read_line(a, path);
    return s && !strcmp(s, "1");
}

const char *size_str(struct arena *a, uint64_t bytes) {
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 4) v /= 1024, u++;
    return u ? arena_printf(a, "%.1f %s", v, units[u]) : arena_printf(a, "%llu bytes", (unsigned long long)bytes);
}

/* Does the mount source name the disk or one of its partitions
 * (/dev/sdb, /dev/sdb1, /dev/nvme0n1p2, /dev/mmcblk0p1)? */
static bool on_disk(const char *source, const char *name) {
    if (strncmp(source, "/dev/", 5)) return false;
    size_t n = strlen(name);
    const char *rest = source + 5;
    if (strncmp(rest, name, n)) return false;
    rest += n;
    if (!*rest) return true;
    /* sdb1; a name ending in a digit takes a 'p' first: nvme0n1p2, not nvme0n12 */
    if (name[n - 1] >= '0' && name[n - 1] <= '9' && *rest++ != 'p') return false;
    return *rest && strspn(rest, "0123456789") == strlen(rest);
}

static bool system_mount(const char *dir) {
    static const char *const dirs[] = {"/", "/boot", "/boot/efi", "/usr", "/var", "/home"};
    for (size_t i = 0; i < ARRAY_LEN(dirs); i++)
        if (!strcmp(dir, dirs[i])) return true;
    return false;
}

static void read_mounts(struct arena *a, const struct sys_paths *p, struct disk_info *d) {
    FILE *f = fopen(p->mounts, "r");
    if (!f) return;
    char line[4096];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        char src[1024], dir[1024];
        if (sscanf(line, "%1023s %1023s", src, dir) != 2 || !on_disk(src, d->name)) continue;
        d->mounts = arena_grow(a, d->mounts, d->nmounts, &cap, sizeof *d->mounts);
        d->mounts[d->nmounts++] = arena_printf(a, "%s on %s", src, dir);
        if (system_mount(dir)) d->system = true;
    }
    fclose(f);
}

bool disk_read(struct arena *a, const struct sys_paths *p, const char *name, struct disk_info *d, const char **why) {
    memset(d, 0, sizeof *d);
    if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
        *why = "not a disk name";
        return false;
    }
    const char *dir = arena_printf(a, "%s/block/%s", p->sysfs, name);
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (stat(arena_printf(a, "%s/class/block/%s/partition", p->sysfs, name), &st) == 0)
            *why = "a partition, not a whole disk (give the disk: the image holds its own partition table)";
        else *why = arena_printf(a, "not a disk the kernel knows (no %s)", dir);
        return false;
    }
    d->name = arena_strdup(a, name);
    d->dev = arena_printf(a, "/dev/%s", name);
    const char *size = read_line(a, arena_printf(a, "%s/size", dir));
    d->bytes = size ? strtoull(size, NULL, 10) * 512 : 0; /* sysfs counts 512-byte sectors */
    d->removable = flag(a, arena_printf(a, "%s/removable", dir));
    d->read_only = flag(a, arena_printf(a, "%s/ro", dir));
    char real[PATH_MAX];
    d->usb = realpath(dir, real) && strstr(real, "/usb");
    const char *vendor = read_line(a, arena_printf(a, "%s/device/vendor", dir));
    const char *model = read_line(a, arena_printf(a, "%s/device/model", dir));
    d->model = arena_printf(a, "%s%s%s", vendor ? vendor : "", vendor && *vendor && model && *model ? " " : "",
                            model ? model : "");
    read_mounts(a, p, d);
    return true;
}

size_t disk_candidates(struct arena *a, const struct sys_paths *p, struct disk_info **out) {
    static const char *const skip[] = {"loop", "ram", "zram", "dm-", "md", "sr", "nbd", "fd"};
    DIR *dir = opendir(arena_printf(a, "%s/block", p->sysfs));
    size_t n = 0, cap = 0;
    *out = NULL;
    if (!dir) return 0;
    const char **names = NULL;
    size_t nn = 0, ncap = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        if (e->d_name[0] == '.') continue;
        bool skipped = false;
        for (size_t i = 0; i < ARRAY_LEN(skip); i++) skipped |= !strncmp(e->d_name, skip[i], strlen(skip[i]));
        if (skipped) continue;
        names = arena_grow(a, names, nn, &ncap, sizeof *names);
        names[nn++] = arena_strdup(a, e->d_name);
    }
    closedir(dir);
    /* in name order: sda before sdb */
    for (size_t i = 1; i < nn; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    for (size_t i = 0; i < nn; i++) {
        struct disk_info d;
        const char *why;
        if (!disk_read(a, p, names[i], &d, &why) || !(d.removable || d.usb) || d.bytes == 0) continue;
        *out = arena_grow(a, *out, n, &cap, sizeof **out);
        (*out)[n++] = d;
    }
    return n;
}
