/* kconfig.h - the kernel's KILN_CONFIG record: validation and defaults. */
#ifndef CORE_KCONFIG_H
#define CORE_KCONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"
#include "kiln.h"

#define KCONFIG_DEFAULT_STACK KIB(64)
#define KCONFIG_MAX_STACK GIB(1)
#define KCONFIG_DYN_START UINT64_C(0xffff800000000000)
#define KCONFIG_DYN_END UINT64_C(0xffffff8000000000)

/* Validates `raw` (size bytes readable, from the kernel file; NULL = no
 * record) and fills `out` with every default resolved: stack_size is set and
 * page-aligned, every placement is KILN_NONE, KILN_DYNAMIC or an address,
 * dynamic_start/end are set. A kernel built against another major version of
 * kiln.h is refused with a message naming both versions. */
bool kconfig_resolve(const struct kiln_config *raw, uint64_t size, struct kiln_config *out, kiln_err *e);

/* "none", "dynamic" or "0x..." into buf. */
const char *kconfig_placement_str(uint64_t placement, char *buf, unsigned len);
const char *kconfig_fb_mode_name(uint32_t mode);

#endif
