/* mock_phys.h - see mock_phys.c. */
#ifndef MOCK_PHYS_H
#define MOCK_PHYS_H

#include <stdint.h>

#define MOCK_PHYS_BASE UINT64_C(0x100000)

void mock_phys_init(uint64_t size);
/* A frames_source_fn handing out arena pages in order; 0 when full. */
uint64_t mock_phys_alloc(uint64_t pages, uint64_t limit);
uint64_t mock_phys_used(void);

#endif
