/* fuzz_elf.c - the ELF loader's parser (core/elf.c): elf_parse on any
 * bytes; for an image it accepts, its warnings, page flags, and loading
 * and relocating it into buffers of the runs' sizes (what the loader
 * does), at two load biases. */
#include <string.h>

#include "core/elf.h"
#include "tests/fuzz/fuzz.h"

#define MAX_RUN_BYTES (16u << 20) /* larger runs are parsed, not loaded */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct elf_image img;
    kiln_err e;
    if (!elf_parse(data, size, &img, &e)) {
        FUZZ_ASSERT(memchr(e.msg, 0, sizeof e.msg)); /* a terminated message */
        return 0;
    }
    FUZZ_ASSERT(img.nrun >= 1 && img.nrun <= ELF_MAX_RUNS && img.nseg <= ELF_MAX_LOAD);
    char msg[512];
    for (uint32_t w = 1; w & ELF_WARN_ALL; w <<= 1) elf_warning(&img, w, "fuzz", msg, sizeof msg);
    uint64_t total = 0;
    for (uint32_t i = 0; i < img.nrun; i++) {
        FUZZ_ASSERT(img.run[i].start < img.run[i].end && (img.run[i].start & 0xfff) == 0 && (img.run[i].end & 0xfff) == 0);
        FUZZ_ASSERT(i == 0 || img.run[i - 1].end <= img.run[i].start);
        FUZZ_ASSERT(elf_run_of(&img, img.run[i].start) == (int)i);
        elf_page_flags(&img, img.run[i].start);
        total += img.run[i].end - img.run[i].start;
    }
    if (total > MAX_RUN_BYTES) return 0;
    uint8_t *mem[ELF_MAX_RUNS] = {0};
    for (uint32_t i = 0; i < img.nrun; i++) mem[i] = malloc(img.run[i].end - img.run[i].start);
    elf_load_segments(&img, mem, false);
    /* An ET_EXEC runs where it is linked; a PIE anywhere (2 MiB aligned here). */
    elf_relocate(&img, mem, 0, &e);
    if (img.type == 3) {
        elf_load_segments(&img, mem, false);
        elf_relocate(&img, mem, 0x40000000, &e);
    }
    for (uint32_t i = 0; i < img.nrun; i++) free(mem[i]);
    return 0;
}
