/* test_sum128.c - the payload's checksum (core/sum128.c): a known value,
 * the unrolled loop against the definition at every length, alignment and
 * split, and the detection claims of core/sum128.h, each tried
 * exhaustively or at random. */
#include <stdlib.h>
#include <string.h>

#include "core/sum128.h"
#include "tests/unit/testlib.h"

typedef unsigned __int128 u128;

/* The definition, a byte at a time. */
static struct sum128 reference(const uint8_t *p, size_t n) {
    u128 a = 0, b = 0;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t w = 0;
        for (size_t k = 0; k < 8 && i + k < n; k++) w |= (uint64_t)p[i + k] << (8 * k);
        a += w;
        b += a;
    }
    return (struct sum128){(uint64_t)a, (uint64_t)(a >> 64), (uint64_t)b, (uint64_t)(b >> 64)};
}

static void fill(uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)test_rand();
}

/* Random data from a fixed seed, and its sum. */
static struct sum128 random_data(uint8_t *p, size_t n, uint64_t seed) {
    test_seed(seed);
    fill(p, n);
    return sum128_of(p, n);
}

TEST(known_values) {
    /* "12345678" is the word 0x3837363534333231 and "9" the padded word
     * 0x39: a = w1 + w2, b = w1 + (w1 + w2). */
    struct sum128 s = sum128_of("123456789", 9);
    CHECK(s.a_lo == UINT64_C(0x383736353433326a) && s.a_hi == 0 && s.b_lo == UINT64_C(0x706e6c6a6866649b) &&
              s.b_hi == 0,
          "\"123456789\": a %016llx b %016llx", (unsigned long long)s.a_lo, (unsigned long long)s.b_lo);
    s = sum128_of("", 0);
    CHECK(!s.a_lo && !s.a_hi && !s.b_lo && !s.b_hi, "empty: all zero");
    /* Carries into the high halves: three all-ones words give
     * a = 3 * (2^64 - 1) and b = 6 * (2^64 - 1). */
    uint8_t ones[24];
    memset(ones, 0xff, sizeof ones);
    s = sum128_of(ones, sizeof ones);
    CHECK(s.a_lo == (uint64_t)-3 && s.a_hi == 2 && s.b_lo == (uint64_t)-6 && s.b_hi == 5,
          "three all-ones words: a %llx:%016llx b %llx:%016llx", (unsigned long long)s.a_hi,
          (unsigned long long)s.a_lo, (unsigned long long)s.b_hi, (unsigned long long)s.b_lo);
}

/* Every length 0..300 at every alignment 0..7, and in two pieces split at
 * every multiple of 8, agree with the definition (the unrolled 64-byte
 * loop, the word loop, the padded tail). */
TEST(unrolled_matches_definition) {
    static uint8_t buf[320];
    test_seed(11);
    fill(buf, sizeof buf);
    for (size_t align = 0; align < 8; align++)
        for (size_t n = 0; n <= 300; n++) {
            struct sum128 want = reference(buf + align, n), got = sum128_of(buf + align, n);
            if (!sum128_equal(&want, &got)) {
                CHECK(0, "length %zu at alignment %zu", n, align);
                return;
            }
            for (size_t cut = 0; cut <= n; cut += 8) {
                struct sum128 s = {0, 0, 0, 0};
                sum128_update(&s, buf + align, cut);
                sum128_update(&s, buf + align + cut, n - cut);
                if (!sum128_equal(&want, &s)) {
                    CHECK(0, "length %zu split at %zu", n, cut);
                    return;
                }
            }
        }
}

/* Long stretches, as the loaders sum a kernel: lengths around 64 KiB (a
 * BIOS read chunk is 63.5 KiB) and its multiples, words of all ones (every
 * add carries) and random words, summed whole, in two parts, copied, and
 * copied twice; all agree with the definition, and the copies are exact. */
TEST(long_stretches_agree) {
    enum { MAX = 4 * 65536 + 200 };
    uint8_t *src = malloc(MAX), *d1 = malloc(MAX + 1), *d2 = malloc(MAX + 1);
    static const size_t lens[] = {65536, 65536 - 64, 65536 + 64, 65536 + 8, 65536 + 3, 2 * 65536, 3 * 65536 + 24,
                                  4 * 65536 + 200, 131072 - 1};
    REQUIRE(src && d1 && d2, "out of memory");
    for (int pattern = 0; pattern < 2; pattern++) {
        if (pattern) {
            test_seed(29);
            fill(src, MAX);
        } else {
            memset(src, 0xff, MAX);
        }
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            size_t n = lens[li], cut = (n / 3) & ~(size_t)7;
            struct sum128 want = reference(src, n), got = sum128_of(src, n), two = {0, 0, 0, 0}, c = two, c2 = two;
            sum128_update(&two, src, cut);
            sum128_update(&two, src + cut, n - cut);
            memset(d1, 0, MAX + 1), memset(d2, 0, MAX + 1);
            sum128_copy(&c, d1, src, cut);
            sum128_copy(&c, d1 + cut, src + cut, n - cut);
            bool copied = !memcmp(d1, src, n);
            memset(d1, 0, MAX + 1);
            sum128_copy2(&c2, d1, d2, src, n);
            copied = copied && !memcmp(d1, src, n) && !memcmp(d2, src, n) && d1[n] == 0 && d2[n] == 0;
            CHECK(sum128_equal(&want, &got) && sum128_equal(&want, &two) && sum128_equal(&want, &c) &&
                      sum128_equal(&want, &c2) && copied,
                  "%s words, length %zu: whole %d, split %d, copy %d, copy2 %d, bytes %d", pattern ? "random" : "all-ones", n,
                  sum128_equal(&want, &got), sum128_equal(&want, &two), sum128_equal(&want, &c), sum128_equal(&want, &c2),
                  copied);
        }
    }
    free(src), free(d1), free(d2);
}

/* sum128_copy: every length 0..300 between every pair of alignments, in
 * two pieces split at every multiple of 8 as the BIOS reader's chunks are,
 * copies exactly n bytes (not one beyond) and sums as the definition; with
 * no sum it only copies. */
TEST(copy_sums_what_it_copies) {
    static uint8_t src[320], dst[336];
    test_seed(13);
    fill(src, sizeof src);
    for (size_t sa = 0; sa < 8; sa++)
        for (size_t da = 0; da < 8; da++)
            for (size_t n = 0; n <= 300; n += (n < 140 ? 1 : 7)) {
                struct sum128 want = reference(src + sa, n);
                for (size_t cut = 0; cut <= n; cut += (n > 140 ? 64 : 8)) {
                    struct sum128 s = {0, 0, 0, 0};
                    memset(dst, 0xa5, sizeof dst);
                    sum128_copy(&s, dst + da, src + sa, cut);
                    sum128_copy(&s, dst + da + cut, src + sa + cut, n - cut);
                    bool fenced = dst[da + n] == 0xa5 && (da == 0 || dst[da - 1] == 0xa5);
                    if (!sum128_equal(&want, &s) || memcmp(dst + da, src + sa, n) || !fenced) {
                        CHECK(0, "length %zu, alignments %zu/%zu, split at %zu", n, sa, da, cut);
                        return;
                    }
                }
            }
    memset(dst, 0, sizeof dst);
    sum128_copy(NULL, dst, src, 200);
    CHECK(!memcmp(dst, src, 200) && dst[200] == 0, "a copy without a sum");
}

/* sum128_copy_tees, as the BIOS reader uses it: a read in chunks of whole
 * words (the last one ragged), each chunk copied and summed with the parts
 * of up to six tees (any offsets and sizes, down to a byte; apart, in
 * order) stored on the way. Every byte lands once where it should, nothing
 * beside it is touched, and the chunks' sums make the read's sum. */
TEST(copy_tees_place_and_sum) {
    enum { N = 6000, GUARD = 16 };
    static uint8_t src[N], out[N + GUARD], tdst[6][N + 2 * GUARD];
    test_seed(17);
    for (int round = 0; round < 400; round++) {
        fill(src, N);
        size_t n = N - test_rand_below(64);
        struct read_tee t[6];
        size_t nt = test_rand_below(7);
        uint64_t pos = 0;
        for (size_t i = 0; i < nt; i++) {
            uint64_t gap = test_rand_below(n / 6), size = test_rand() & 1 ? test_rand_below(12) + 1 : test_rand_below(n / 6) + 1;
            if (pos + gap + size > n) {
                nt = i;
                break;
            }
            memset(tdst[i], 0x5a, sizeof tdst[i]);
            t[i] = (struct read_tee){pos + gap, size, tdst[i] + GUARD};
            pos += gap + size;
        }
        memset(out, 0xa5, sizeof out);
        struct sum128 sum = {0, 0, 0, 0}, *sp = round % 5 == 4 ? NULL : &sum;
        for (uint64_t rel = 0; rel < n;) {
            uint64_t len = 8 * (test_rand_below(round % 2 ? 64 : 600) + 1);
            if (len > n - rel) len = n - rel;
            sum128_copy_tees(sp, out + rel, src + rel, rel, len, t, nt);
            rel += len;
        }
        struct sum128 want = sum128_of(src, n);
        bool ok = !memcmp(out, src, n) && out[n] == 0xa5 && (!sp || sum128_equal(&sum, &want));
        for (size_t i = 0; ok && i < nt; i++) {
            const uint8_t *d = tdst[i];
            ok = !memcmp(d + GUARD, src + t[i].offset, t[i].size) && d[GUARD - 1] == 0x5a && d[GUARD + t[i].size] == 0x5a;
        }
        if (!ok) {
            CHECK(0, "round %d: %zu bytes, %zu tees", round, (size_t)n, nt);
            return;
        }
    }
}

/* Whether damaged data still has the good sum: a miss. */
static bool still_matches(uint8_t *p, size_t n, const struct sum128 *good) {
    struct sum128 s = sum128_of(p, n);
    return sum128_equal(&s, good);
}

/* Every 1-bit and 2-bit error in 256 bytes: 2048 + 2,096,128 cases. */
TEST(every_one_and_two_bit_error) {
    enum { N = 256 };
    static uint8_t buf[N];
    struct sum128 good = random_data(buf, N, 12);
    unsigned missed = 0;
    for (size_t i = 0; i < 8 * N; i++) {
        buf[i / 8] ^= (uint8_t)(1u << (i % 8));
        missed += still_matches(buf, N, &good);
        for (size_t j = i + 1; j < 8 * N && !missed; j++) {
            buf[j / 8] ^= (uint8_t)(1u << (j % 8));
            missed += still_matches(buf, N, &good);
            buf[j / 8] ^= (uint8_t)(1u << (j % 8));
        }
        buf[i / 8] ^= (uint8_t)(1u << (i % 8));
        if (missed) {
            CHECK(0, "an error with bit %zu missed", i);
            return;
        }
    }
}

/* Bursts of 2..65 bits (first and last bit flipped, the ones between at
 * random) at every bit offset of 256 bytes. */
TEST(every_burst_up_to_65_bits) {
    enum { N = 256 };
    static uint8_t buf[N], bad[N];
    struct sum128 good = random_data(buf, N, 13);
    for (size_t len = 2; len <= 65; len++)
        for (size_t start = 0; start + len <= 8 * N; start++)
            for (int round = 0; round < 2; round++) {
                memcpy(bad, buf, N);
                for (size_t k = 0; k < len; k++)
                    if (k == 0 || k == len - 1 || (test_rand() & 1)) bad[(start + k) / 8] ^= (uint8_t)(1u << ((start + k) % 8));
                if (still_matches(bad, N, &good)) {
                    CHECK(0, "a %zu-bit burst at bit %zu missed", len, start);
                    return;
                }
            }
}

/* Whole-word and whole-sector damage: any change of any two words, two
 * words swapped, a sector zeroed or filled with 0xff, a sector repeated
 * in place of the next. */
TEST(word_and_sector_damage) {
    enum { N = 2048 };
    static uint8_t buf[N], bad[N];
    struct sum128 good = random_data(buf, N, 14);
    for (int t = 0; t < 20000; t++) {
        memcpy(bad, buf, N);
        size_t i = test_rand_below(N / 8), j = test_rand_below(N / 8);
        uint64_t x = test_rand(), y = test_rand();
        memcpy(bad + 8 * i, &x, 8);
        if (t % 3) memcpy(bad + 8 * j, &y, 8);
        if (memcmp(bad, buf, N) && still_matches(bad, N, &good)) {
            CHECK(0, "a change of words %zu and %zu missed", i, j);
            return;
        }
    }
    for (size_t i = 0; i < N / 8; i++)
        for (size_t j = i + 1; j < N / 8; j++) {
            if (!memcmp(buf + 8 * i, buf + 8 * j, 8)) continue;
            memcpy(bad, buf, N);
            memcpy(bad + 8 * i, buf + 8 * j, 8);
            memcpy(bad + 8 * j, buf + 8 * i, 8);
            if (still_matches(bad, N, &good)) {
                CHECK(0, "words %zu and %zu swapped: missed", i, j);
                return;
            }
        }
    for (size_t sec = 0; sec < N / 512; sec++)
        for (int how = 0; how < 3; how++) {
            memcpy(bad, buf, N);
            if (how == 2 && sec + 1 == N / 512) continue;
            if (how == 2) memcpy(bad + 512 * (sec + 1), buf + 512 * sec, 512);
            else memset(bad + 512 * sec, how ? 0xff : 0, 512);
            CHECK(!still_matches(bad, N, &good), "sector %zu %s: missed", sec,
                  how == 0 ? "zeroed" : how == 1 ? "filled with 0xff" : "repeated");
        }
}

/* What the header says it misses, so that the claim stays honest: +d, -2d,
 * +d in three consecutive words balances both sums. */
TEST(documented_blind_spot) {
    uint64_t w[3] = {100, 200, 300}, v[3] = {101, 198, 301};
    struct sum128 x = sum128_of(w, sizeof w), y = sum128_of(v, sizeof v);
    CHECK(sum128_equal(&x, &y), "the +1, -2, +1 pattern is not caught: the header's claim holds");
}
