/* sum128.h - the payload's checksum (format/payload.h, version 2): two
 * exact sums over the data taken as little-endian 64-bit words w1..wn (the
 * last one padded with zero bytes),
 *     a = w1 + w2 + ... + wn
 *     b = a1 + a2 + ... + an    where ai = w1 + ... + wi
 *       = n*w1 + (n-1)*w2 + ... + 1*wn
 * each kept in 128 bits. Four instructions per 8 bytes on any x86-64 (add,
 * adc, add, adc), where the sliced CRC-32 it replaced took 27: the reason
 * is in docs/benchmarks.md.
 *
 * Strength (docs/disk-layout.md): both sums are exact integers for data
 * under 32 GiB (b < n^2 * 2^63 < 2^128), so a change e1..en of the words
 * goes unnoticed only if  sum(ei) = 0  and  sum(i*ei) = 0  as integers.
 * That never holds for a change confined to one or two words (whatever
 * their distance), so every 1- and 2-bit error, every burst of up to 65
 * bits, a pair of swapped words and a sector zeroed or filled with 0xff
 * are all caught; CRC-32 catches bursts up to 32 bits and, beyond 11 KiB,
 * not every 3-bit error either. A random corruption passes with odds
 * around 2^-120 against CRC-32's 2^-32. What it misses that CRC-32 would
 * catch: some changes of three or more words that balance both sums (e.g.
 * +d, -2d, +d in consecutive words). */
#ifndef CORE_SUM128_H
#define CORE_SUM128_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The stored form: four little-endian 64-bit words, a's low and high
 * halves, then b's. */
struct sum128 {
    uint64_t a_lo, a_hi, b_lo, b_hi;
};

/* Adds n bytes to s (start from all zeros). When n is not a multiple of 8
 * the last word is padded with zero bytes, and the next call starts a new
 * word: the payload sums each entry in one call; BOOTX64.EFI's seal sums
 * its sections one after the other, each so padded (format/efiseal.h). */
void sum128_update(struct sum128 *s, const void *data, size_t n);
/* Copies n bytes from src to dst (which must not overlap) and adds them to
 * s as sum128_update(s, dst, n) would, in one pass: the BIOS reader sums
 * each chunk as it moves it out of the bounce buffer. With s NULL, only
 * copies. */
void sum128_copy(struct sum128 *s, void *dst, const void *src, size_t n);
/* sum128_copy storing each byte to dst2 as well (NULL: not), in the same
 * pass: the BIOS reader places a kernel's segments as it reads the file. */
void sum128_copy2(struct sum128 *s, void *dst, void *dst2, const void *src, size_t n);
/* A copy of part of a read made on the way (common/platform.h): the bytes
 * at [offset, offset + size) of the read, counted from its start, stored
 * at dst as well. */
struct read_tee {
    uint64_t offset, size;
    void *dst;
};
/* One chunk of a read: n bytes from src to out, which lies `rel` bytes into
 * the read, added to sum (NULL: not summed; else rel and every earlier
 * chunk a multiple of 8), and the parts inside the tees (sorted by offset,
 * disjoint) stored to them too, in the same pass: the BIOS reader's copy
 * out of its bounce buffer. */
void sum128_copy_tees(struct sum128 *sum, uint8_t *out, const uint8_t *src, uint64_t rel, uint64_t n,
                      const struct read_tee *t, size_t nt);
/* The tees of a read that went to dst in one piece (written by the
 * firmware): a reader that copies the bytes itself uses sum128_copy_tees,
 * one pass. */
void read_tees_copy(const void *dst, const struct read_tee *t, size_t n);
/* The sum of n bytes, in one call. */
struct sum128 sum128_of(const void *data, size_t n);
bool sum128_equal(const struct sum128 *x, const struct sum128 *y);

#endif
