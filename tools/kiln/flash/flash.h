/* flash.h - `kiln flash IMAGE DEVICE`: writing an image to a USB stick
 * safely. devices.c reads what the kernel says about disks (sysfs and the
 * mount table) and decides which may be written; flash.c is the command:
 * the list of candidates, the checks, the confirmation, the write with its
 * progress, fsync and the read-back verify.
 *
 * Tests point kiln at a fake system: KILN_SYSFS stands for /sys (block/NAME
 * with removable, ro, size, device/model, device/vendor; a symlink into a
 * .../usbN/... path marks a USB disk) and KILN_MOUNTS for /proc/self/mounts. */
#ifndef KILN_TOOL_FLASH_H
#define KILN_TOOL_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "tools/kiln/util/arena.h"

int cmd_flash(int argc, char **argv);

/* --- disks (devices.c) ------------------------------------------------------------ */

struct disk_info {
    const char *name;      /* "sdb" */
    const char *dev;       /* "/dev/sdb" */
    uint64_t bytes;        /* size */
    bool removable;        /* sysfs removable = 1 */
    bool usb;              /* on a USB bus */
    bool read_only;        /* sysfs ro = 1 */
    const char *model;     /* "SanDisk Cruzer Blade" (vendor and model), or "" */
    const char **mounts;   /* "/dev/sdb1 on /media/stick" for each mounted partition */
    size_t nmounts;
    bool system;           /* a partition is /, /boot, /boot/efi, /usr, /var or /home */
};

struct sys_paths {
    const char *sysfs;  /* /sys, or KILN_SYSFS */
    const char *mounts; /* /proc/self/mounts, or KILN_MOUNTS */
};
void sys_paths_get(struct sys_paths *p);

/* What sysfs says about the disk NAME (no "/dev/"); false with the reason
 * in why when it is no whole disk kiln can describe (a partition, a name
 * sysfs does not know). */
bool disk_read(struct arena *a, const struct sys_paths *p, const char *name, struct disk_info *d, const char **why);
/* The disks a stick could be: removable or on USB, not loop, ram, zram,
 * device-mapper, md or optical drives. */
size_t disk_candidates(struct arena *a, const struct sys_paths *p, struct disk_info **out);
/* "14.9 GiB" */
const char *size_str(struct arena *a, uint64_t bytes);

#endif
