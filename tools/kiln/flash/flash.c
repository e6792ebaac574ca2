/* flash.c - `kiln flash IMAGE DEVICE` (see flash.h): the README's last
 * step without dd's dangers. Candidates are listed from sysfs; a disk that
 * is not removable or is mounted is refused unless --force, one that holds
 * the running system, is read-only or is smaller than the image always;
 * a terminal is asked (--yes for scripts); the image goes out in 4 MiB
 * aligned writes with a progress line, synced every 32 MiB so the rate is
 * the device's and not the page cache's, then fsync'd, read back past the
 * caches and compared. Success is reported only after that verify. A
 * regular file is written only with --to-file. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tools/kiln/flash/flash.h"
#include "tools/kiln/util/die.h"

#define CHUNK ((size_t)4 << 20)       /* one write: large, aligned */
#define SYNC_EVERY ((uint64_t)32 << 20) /* fdatasync this often: honest progress */

struct flash_opts {
    const char *image, *device;
    bool yes, force, to_file, check;
};

static void usage_flash(void) {
    puts("usage: kiln flash IMAGE [DEVICE] [options]\n"
         "Write a disk image to a USB stick safely. Without DEVICE, list the removable disks it could go to.\n"
         "\n"
         "  --yes        do not ask (scripts); without it kiln asks on the terminal, and refuses without one\n"
         "  --force      write a disk that is not removable or is mounted (with a warning); never a disk that\n"
         "               holds the running system, is read-only or is smaller than the image\n"
         "  --check      do every check and say what would be written; write nothing\n"
         "  --to-file    DEVICE is a file (created or replaced) or a character device, not a disk: for\n"
         "               testing; no disk checks\n"
         "\n"
         "The image is written in 4 MiB writes with a progress line (bytes, rate, time left), synced,\n"
         "then read back and compared; kiln reports success only after that verify.\n"
         "\n"
         "examples:\n"
         "  kiln flash disk.img                 list the candidates\n"
         "  kiln flash disk.img /dev/sdb\n"
         "  kiln flash disk.img /dev/sdb --yes");
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- the image --------------------------------------------------------------------------- */

static int open_image(const struct flash_opts *o, uint64_t *size) {
    int fd = open(o->image, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("%s: %s", o->image, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) die("%s: not a regular file", o->image);
    uint8_t head[520] = {0};
    ssize_t n = pread(fd, head, sizeof head, 0);
    bool mbr = n >= 512 && head[510] == 0x55 && head[511] == 0xaa;
    bool gpt = n >= 520 && !memcmp(head + 512, "EFI PART", 8);
    if (!mbr && !gpt && !o->force)
        die("%s is not a disk image (no MBR boot signature, no GPT): kiln image makes one (--force writes it anyway)",
            o->image);
    *size = (uint64_t)st.st_size;
    if (*size == 0) die("%s is empty", o->image);
    return fd;
}

/* --- the candidates ------------------------------------------------------------------------ */

static void describe(struct arena *a, FILE *f, const struct disk_info *d) {
    fprintf(f, "  %-14s %10s  %-4s %-28s ", d->dev, size_str(a, d->bytes), d->usb ? "usb" : "",
            *d->model ? d->model : "(no model)");
    if (!d->nmounts) fprintf(f, "not mounted");
    for (size_t i = 0; i < d->nmounts; i++) fprintf(f, "%smounted: %s", i ? ", " : "", d->mounts[i]);
    fprintf(f, "%s%s\n", d->removable ? "" : " (not removable)", d->read_only ? " (read-only)" : "");
}

static int list_candidates(struct arena *a, const struct sys_paths *p, const char *image) {
    struct disk_info *d;
    size_t n = disk_candidates(a, p, &d);
    if (!n) {
        printf("no removable disk found (kiln looks in %s/block for removable or USB disks): plug in a stick\n",
               p->sysfs);
        return 0;
    }
    printf("removable disks:\n");
    for (size_t i = 0; i < n; i++) describe(a, stdout, &d[i]);
    printf("write one with: kiln flash %s %s\n", image ? image : "IMAGE", d[0].dev);
    return 0;
}

/* --- the checks ------------------------------------------------------------------------------ */

/* The disk DEVICE names, checked; dies with the reason on a refusal. */
static void check_disk(struct arena *a, const struct sys_paths *p, const struct flash_opts *o, uint64_t image_size,
                       struct disk_info *d) {
    const char *name = o->device;
    if (!strncmp(name, "/dev/", 5)) name += 5;
    if (strchr(name, '/'))
        die("%s is not a disk (/dev/NAME): kiln flash writes a regular file only with --to-file", o->device);
    const char *why;
    if (!disk_read(a, p, name, d, &why)) die("%s is %s", o->device, why);
    if (d->system)
        die("%s holds the running system (%s): kiln flash never writes it, --force or not", d->dev, d->mounts[0]);
    if (d->read_only) die("%s is read-only (a write-protect switch?)", d->dev);
    if (d->bytes < image_size)
        die("%s is smaller than the image: %s, the image %s", d->dev, size_str(a, d->bytes), size_str(a, image_size));
    if (!d->removable && !d->usb) {
        if (!o->force)
            die("%s is not removable and not on USB (%s, %s): it looks like an internal disk; kiln flash refuses it "
                "(--force if you are sure)",
                d->dev, *d->model ? d->model : "no model", size_str(a, d->bytes));
        warnx("--force: %s is not removable and not on USB: an internal disk? Everything on it will be lost", d->dev);
    }
    if (d->nmounts) {
        const char *list = "";
        for (size_t i = 0; i < d->nmounts; i++) list = arena_printf(a, "%s%s%s", list, i ? ", " : "", d->mounts[i]);
        if (!o->force)
            die("%s is mounted (%s): unmount it first (umount, or udisksctl unmount -b PARTITION); --force writes "
                "it anyway",
                d->dev, list);
        warnx("--force: %s is mounted (%s): the mounted filesystems will be corrupted", d->dev, list);
    }
}

static void confirm(struct arena *a, const struct flash_opts *o, const struct disk_info *d, uint64_t size) {
    if (o->yes) return;
    if (!isatty(0)) die("standard input is not a terminal, so kiln cannot ask: pass --yes to write %s", o->device);
    const char *what = d ? arena_printf(a, "%s (%s, %s)", d->dev, *d->model ? d->model : "no model",
                                        size_str(a, d->bytes))
                         : o->device;
    fprintf(stderr, "Write %s (%s) to %s? Everything on it will be lost. Type yes to go on: ", o->image,
            size_str(a, size), what);
    char line[64];
    if (!fgets(line, sizeof line, stdin) || strcmp(line, "yes\n")) {
        fprintf(stderr, "kiln: nothing written\n");
        exit(1);
    }
}

/* --- writing and verifying ---------------------------------------------------------------------- */

static void progress(bool tty, const char *what, uint64_t done, uint64_t total, double start) {
    if (!tty) return;
    double t = now() - start, rate = t > 0 ? (double)done / t : 0;
    char eta[32] = "";
    if (rate > 0 && done < total) snprintf(eta, sizeof eta, ", %.0f s left", (double)(total - done) / rate);
    fprintf(stderr, "\r\033[K%s %6.1f / %.1f MiB, %.1f MiB/s%s", what, (double)done / (1 << 20),
            (double)total / (1 << 20), rate / (1 << 20), eta);
}

static void read_full(int fd, void *buf, size_t n, uint64_t off, const char *path) {
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, (uint8_t *)buf + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) die("%s: read error at byte %llu: %s", path, (unsigned long long)(off + done), strerror(errno));
        if (r == 0)
            die("%s ended at byte %llu, before the image did", path, (unsigned long long)(off + done));
        done += (size_t)r;
    }
}

/* fsync; a character device (the testing path) has nothing to sync. */
static void sync_fd(int fd, bool chardev, const char *path) {
    if (fsync(fd) != 0 && !(chardev && (errno == EINVAL || errno == EROFS)))
        die("%s: fsync failed: %s (the data may not be on the device)", path, strerror(errno));
}

static void write_image(int in, int out, uint64_t size, bool chardev, const char *path, uint8_t *buf) {
    bool tty = isatty(2);
    double start = now();
    uint64_t since_sync = 0;
    for (uint64_t off = 0; off < size;) {
        size_t n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
        read_full(in, buf, n, off, "the image");
        for (size_t done = 0; done < n;) {
            ssize_t w = pwrite(out, buf + done, n - done, (off_t)(off + done));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0)
                die("%s: write failed at byte %llu: %s (the device now holds part of the image)", path,
                    (unsigned long long)(off + done), w < 0 ? strerror(errno) : "no space");
            done += (size_t)w;
        }
        off += n;
        since_sync += n;
        if (since_sync >= SYNC_EVERY && !chardev) {
            if (fdatasync(out) != 0) die("%s: sync failed: %s", path, strerror(errno));
            since_sync = 0;
        }
        progress(tty, "writing  ", off, size, start);
    }
    sync_fd(out, chardev, path);
    if (tty) fputc('\n', stderr);
    double t = now() - start;
    fprintf(stderr, "kiln: wrote %.1f MiB in %.1f s (%.1f MiB/s)\n", (double)size / (1 << 20), t,
            t > 0 ? (double)size / (1 << 20) / t : 0);
}

/* Reads the device back, past the page cache, and compares. */
static void verify(int in, const char *path, bool blockdev, uint64_t size, uint8_t *buf, uint8_t *back) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("%s: cannot read it back: %s", path, strerror(errno));
    if (blockdev) ioctl(fd, BLKFLSBUF, 0); /* the block layer's buffers: read what the stick holds */
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    bool tty = isatty(2);
    double start = now();
    for (uint64_t off = 0; off < size;) {
        size_t n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
        read_full(in, buf, n, off, "the image");
        read_full(fd, back, n, off, path);
        if (memcmp(buf, back, n)) {
            size_t i = 0;
            while (buf[i] == back[i]) i++;
            if (tty) fputc('\n', stderr);
            die("verify failed: %s differs from the image at byte %llu (wrote %02x, read %02x): the device is "
                "faulty or smaller than it claims; do not boot from it",
                path, (unsigned long long)(off + i), buf[i], back[i]);
        }
        off += n;
        progress(tty, "verifying", off, size, start);
    }
    close(fd);
    if (tty) fputc('\n', stderr);
}

/* --- kiln flash ------------------------------------------------------------------------------ */

static void parse(int argc, char **argv, struct flash_opts *o) {
    static const char *const opts[] = {"--yes", "--force", "--to-file", "--check"};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage_flash();
            exit(0);
        }
        if (!strcmp(a, "--yes") || !strcmp(a, "-y")) o->yes = true;
        else if (!strcmp(a, "--force")) o->force = true;
        else if (!strcmp(a, "--to-file")) o->to_file = true;
        else if (!strcmp(a, "--check")) o->check = true;
        else if (a[0] == '-' && a[1]) {
            for (size_t k = 0; k < ARRAY_LEN(opts); k++)
                if (a[1] == '-' && !strncmp(a + 2, opts[k] + 2, 2))
                    die("flash: unknown option '%s' (did you mean %s?)", a, opts[k]);
            die("flash: unknown option '%s' (see kiln flash --help)", a);
        } else if (!o->image) o->image = a;
        else if (!o->device) o->device = a;
        else die("flash: one image and one device (got '%s' too)", a);
    }
}

int cmd_flash(int argc, char **argv) {
    struct flash_opts o = {0};
    parse(argc, argv, &o);
    struct arena a = {0};
    struct sys_paths p;
    sys_paths_get(&p);
    if (!o.image) return list_candidates(&a, &p, NULL);
    uint64_t size;
    int in = open_image(&o, &size);
    if (!o.device) {
        if (o.to_file) die("flash: --to-file needs a file name");
        return list_candidates(&a, &p, o.image);
    }
    struct disk_info disk, *d = NULL;
    struct stat st;
    if (o.to_file) {
        if (stat(o.device, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
            die("%s: --to-file writes a regular file or a character device, not this", o.device);
    } else {
        check_disk(&a, &p, &o, size, &disk);
        d = &disk;
    }
    if (o.check) {
        printf("checks passed: kiln flash would write %s (%s) to %s\n", o.image, size_str(&a, size),
               d ? arena_printf(&a, "%s (%s, %s)", d->dev, *d->model ? d->model : "no model", size_str(&a, d->bytes))
                 : o.device);
        return 0;
    }
    const char *path = d ? d->dev : o.device;
    int flags = O_WRONLY | O_CLOEXEC;
    if (o.to_file && !(stat(o.device, &st) == 0 && S_ISCHR(st.st_mode))) flags |= O_CREAT | O_TRUNC;
    if (!o.to_file) {
        if (stat(path, &st) != 0 || !S_ISBLK(st.st_mode)) die("%s is not a block device", path);
        flags |= O_EXCL; /* a block device in use (mounted, another writer) refuses this */
    }
    confirm(&a, &o, d, size);
    int out = open(path, flags, 0644);
    if (out < 0) die("%s: %s", path, strerror(errno));
    bool chardev = fstat(out, &st) == 0 && S_ISCHR(st.st_mode);
    uint8_t *buf, *back;
    if (posix_memalign((void **)&buf, 4096, CHUNK) || posix_memalign((void **)&back, 4096, CHUNK))
        die("out of memory");
    write_image(in, out, size, chardev, path, buf);
    posix_fadvise(out, 0, 0, POSIX_FADV_DONTNEED);
    if (close(out) != 0) die("%s: %s", path, strerror(errno));
    verify(in, path, !o.to_file, size, buf, back);
    free(buf);
    free(back);
    close(in);
    printf("%s now holds %s (%s, verified)\n", path, o.image, size_str(&a, size));
    arena_free(&a);
    return 0;
}
