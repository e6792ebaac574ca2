/* phys_identity.c - both loaders run on identity-mapped memory (stage 2's
 * own 4 GiB map, UEFI's firmware map), so a physical address is a pointer. */
#include "common/frames.h"

void *phys_ptr(uint64_t pa) { return (void *)(uintptr_t)pa; }
