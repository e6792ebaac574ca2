/* mkdata.c - host program generating the data files of the boot tests:
 *   mkdata mod-a FILE    5000 bytes, byte i = i*7+3
 *   mkdata mod-b FILE    3 MiB + 1 bytes, byte i = (i*13+1) ^ (i>>8)
 *   mkdata blob FILE     32 MiB of xorshift64 words (seed 0x9e3779b97f4a7c15)
 * The test kernels compute the same sequences to check what they got. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: mkdata mod-a|mod-b|blob FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[2], "wb");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    if (!strcmp(argv[1], "mod-a")) {
        for (uint64_t i = 0; i < 5000; i++) fputc((uint8_t)(i * 7 + 3), f);
    } else if (!strcmp(argv[1], "mod-b")) {
        for (uint64_t i = 0; i < (3u << 20) + 1; i++) fputc((uint8_t)((i * 13 + 1) ^ (i >> 8)), f);
    } else if (!strcmp(argv[1], "blob")) {
        uint64_t x = UINT64_C(0x9e3779b97f4a7c15);
        for (uint64_t i = 0; i < (32u << 20) / 8; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            fwrite(&x, 8, 1, f);
        }
    } else {
        fprintf(stderr, "mkdata: unknown kind %s\n", argv[1]);
        return 2;
    }
    if (fclose(f) != 0) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}
