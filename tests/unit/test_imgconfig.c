/* test_imgconfig.c - format/imgconfig.c: the image config text. */
#include <stdlib.h>
#include <string.h>

#include "format/imgconfig.h"
#include "kiln.h"
#include "tests/unit/testlib.h"

/* Parses an exact-size heap copy of len bytes (no NUL after it). */
static bool parse_n(const char *text, size_t len, struct imgconfig *c, kiln_err *e) {
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    memset(e, 0, sizeof *e);
    bool ok = imgconfig_parse(copy, len, c, e);
    free(copy);
    return ok;
}
static bool parse(const char *text, struct imgconfig *c, kiln_err *e) { return parse_n(text, strlen(text), c, e); }

#define EXPECT_PARSE_FAIL(text, want) EXPECT_PARSE_FAIL_N(text, strlen(text), want)
#define EXPECT_PARSE_FAIL_N(text, len, want) \
    do { \
        struct imgconfig *c_ = malloc(sizeof *c_); \
        kiln_err e_; \
        if (parse_n(text, len, c_, &e_)) \
            test_fail_at(__FILE__, __LINE__, "accepted; want an error containing \"%s\"", want); \
        else if (!strstr(e_.msg, want)) \
            test_fail_at(__FILE__, __LINE__, "error \"%s\" does not contain \"%s\"", e_.msg, want); \
        free(c_); \
    } while (0)

static struct imgconfig cfg; /* 4 KiB: not on the stack */

TEST(img_defaults) {
    kiln_err e;
    REQUIRE(parse("", &cfg, &e), "empty: %s", e.msg);
    CHECK(cfg.cmdline[0] == 0 && cfg.cmdline_len == 0 && cfg.log_level == LOG_INFO && !cfg.fb_set && cfg.serial,
          "defaults");
    memset(&cfg, 0x55, sizeof cfg);
    imgconfig_defaults(&cfg);
    CHECK(cfg.cmdline[0] == 0 && cfg.cmdline_len == 0 && cfg.log_level == LOG_INFO && !cfg.fb_set && cfg.serial &&
              cfg.fb_mode == 0 && cfg.fb_width == 0,
          "imgconfig_defaults clears everything");
}

TEST(img_every_key) {
    kiln_err e;
    REQUIRE(parse("cmdline=root=/dev/sda1 quiet\tx=1\nlog=debug\nfb=1280x720\nserial=off\n", &cfg, &e), "%s", e.msg);
    CHECK(strcmp(cfg.cmdline, "root=/dev/sda1 quiet\tx=1") == 0 && cfg.cmdline_len == 24, "cmdline '%s' (%u)",
          cfg.cmdline, cfg.cmdline_len);
    CHECK(cfg.log_level == LOG_DEBUG, "log %d", cfg.log_level);
    CHECK(cfg.fb_set && cfg.fb_mode == KILN_FB_PREFERRED && cfg.fb_width == 1280 && cfg.fb_height == 720, "fb");
    CHECK(!cfg.serial, "serial off");
    static const char *levels[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++) {
        char t[32];
        snprintf(t, sizeof t, "log=%s", levels[i]);
        CHECK(parse(t, &cfg, &e) && cfg.log_level == i, "%s: %d", t, cfg.log_level);
        CHECK(strcmp(log_level_name(i), levels[i]) == 0, "log_level_name(%d)", i);
    }
    CHECK(strcmp(log_level_name(-1), "?") == 0 && strcmp(log_level_name(4), "?") == 0, "log_level_name out of range");
    CHECK(parse("serial=on", &cfg, &e) && cfg.serial, "serial on");
    CHECK(parse("cmdline=", &cfg, &e) && cfg.cmdline_len == 0 && cfg.cmdline[0] == 0, "empty cmdline");
}

TEST(img_crlf_comments_blank_lines) {
    kiln_err e;
    REQUIRE(parse("# Kiln image config\r\n\r\n#log=nonsense\r\ncmdline=a b c\r\n\nlog=warn\r\n# end", &cfg, &e), "%s",
            e.msg);
    CHECK(strcmp(cfg.cmdline, "a b c") == 0 && cfg.cmdline_len == 5, "CR stripped: '%s'", cfg.cmdline);
    CHECK(cfg.log_level == LOG_WARN, "log");
    /* the last line needs no newline; a lone CR at the end of the text is stripped too */
    CHECK(parse("cmdline=xyz\r", &cfg, &e) && strcmp(cfg.cmdline, "xyz") == 0, "'%s'", cfg.cmdline);
    /* line numbers count CRLF lines */
    EXPECT_PARSE_FAIL("# one\r\n\r\nlog=loud\r\n", "config line 3: log must be error, warn, info or debug");
}

TEST(img_duplicates) {
    EXPECT_PARSE_FAIL("cmdline=a\ncmdline=b\n", "config line 2: cmdline given twice");
    EXPECT_PARSE_FAIL("log=info\n#\nlog=info\n", "config line 3: log given twice");
    EXPECT_PARSE_FAIL("fb=auto\nfb=none", "config line 2: fb given twice");
    EXPECT_PARSE_FAIL("serial=on\nserial=on", "config line 2: serial given twice");
}

TEST(img_unknown_and_malformed_lines) {
    EXPECT_PARSE_FAIL("cmdline=x\nfoo=bar\n", "config line 2: unknown key 'foo'");
    EXPECT_PARSE_FAIL(" log=info", "unknown key ' log'"); /* no whitespace trimming */
    EXPECT_PARSE_FAIL("log =info", "unknown key 'log '");
    EXPECT_PARSE_FAIL("CMDLINE=x", "unknown key 'CMDLINE'");
    EXPECT_PARSE_FAIL("\x01k\x7f=v", "unknown key '?k?'");
    EXPECT_PARSE_FAIL("averyveryveryveryverylongkeyname_beyond_31=1", "unknown key 'averyveryveryveryverylongkeynam'");
    EXPECT_PARSE_FAIL("cmdline", "config line 1: expected key=value");
    EXPECT_PARSE_FAIL("log=info\n   \n", "config line 2: expected key=value");
    EXPECT_PARSE_FAIL("=value", "unknown key ''");
}

TEST(img_bad_values) {
    EXPECT_PARSE_FAIL("log=verbose", "config line 1: log must be error, warn, info or debug");
    EXPECT_PARSE_FAIL("log=", "log must be");
    EXPECT_PARSE_FAIL("log=INFO", "log must be");
    EXPECT_PARSE_FAIL("serial=yes", "config line 1: serial must be on or off");
    EXPECT_PARSE_FAIL("serial=", "serial must be on or off");
    EXPECT_PARSE_FAIL("fb=huge", "config line 1: fb must be auto, keep, none, WxH, max:WxH or min:WxH");
    EXPECT_PARSE_FAIL("cmdline=a\x01z", "config line 1: control character in cmdline");
    EXPECT_PARSE_FAIL("cmdline=a\rz", "control character in cmdline");
}

TEST(img_nul_byte) {
    EXPECT_PARSE_FAIL_N("cmdline=a\0b\n", 12, "config line 1: NUL byte");
    EXPECT_PARSE_FAIL_N("log=info\n#\n\0", 12, "config line 3: NUL byte");
    EXPECT_PARSE_FAIL_N("# a comment\0\n", 13, "config line 1: NUL byte");
}

TEST(img_cmdline_limit) {
    char *t = malloc(16 + IMGCONFIG_CMDLINE_MAX + 2);
    kiln_err e;
    strcpy(t, "cmdline=");
    memset(t + 8, 'c', IMGCONFIG_CMDLINE_MAX);
    t[8 + IMGCONFIG_CMDLINE_MAX] = 0;
    CHECK(parse(t, &cfg, &e) && cfg.cmdline_len == IMGCONFIG_CMDLINE_MAX && strlen(cfg.cmdline) == IMGCONFIG_CMDLINE_MAX,
          "4095 bytes: %s", e.msg);
    strcat(t, "c");
    EXPECT_PARSE_FAIL(t, "config line 1: cmdline is 4096 bytes (limit 4095)");
    free(t);
}

TEST(img_16k_limit) {
    char *t = malloc(IMGCONFIG_MAX_SIZE + 1);
    kiln_err e;
    memset(t, '#', IMGCONFIG_MAX_SIZE + 1);
    for (unsigned i = 99; i < IMGCONFIG_MAX_SIZE + 1; i += 100) t[i] = '\n';
    CHECK(parse_n(t, IMGCONFIG_MAX_SIZE, &cfg, &e), "16384 bytes of comments: %s", e.msg);
    EXPECT_PARSE_FAIL_N(t, IMGCONFIG_MAX_SIZE + 1, "config: 16385 bytes (limit 16384)");
    free(t);
}

TEST(img_fb_values) {
    static const struct {
        const char *s;
        bool ok;
        uint32_t mode, w, h;
    } cases[] = {
        {"auto", true, KILN_FB_AUTO, 0, 0},
        {"keep", true, KILN_FB_KEEP, 0, 0},
        {"none", true, KILN_FB_NONE, 0, 0},
        {"1024x768", true, KILN_FB_PREFERRED, 1024, 768},
        {"1x1", true, KILN_FB_PREFERRED, 1, 1},
        {"65535x65535", true, KILN_FB_PREFERRED, 65535, 65535},
        {"max:1920x1080", true, KILN_FB_MAX, 1920, 1080},
        {"min:800x600", true, KILN_FB_MIN, 800, 600},
        {"0x768", false, 0, 0, 0},
        {"1024x0", false, 0, 0, 0},
        {"65536x1", false, 0, 0, 0},
        {"1234567x1", false, 0, 0, 0},
        {"1024x", false, 0, 0, 0},
        {"x768", false, 0, 0, 0},
        {"1024X768", false, 0, 0, 0},
        {"1024x768x", false, 0, 0, 0},
        {"10x24x768", false, 0, 0, 0},
        {"1024 x 768", false, 0, 0, 0},
        {"-1x5", false, 0, 0, 0},
        {"max:", false, 0, 0, 0},
        {"min:x", false, 0, 0, 0},
        {"max:auto", false, 0, 0, 0},
        {"AUTO", false, 0, 0, 0},
        {"", false, 0, 0, 0},
    };
    for (unsigned i = 0; i < ARRAY_LEN(cases); i++) {
        uint32_t mode = 99, w = 99, h = 99;
        bool ok = imgconfig_parse_fb(cases[i].s, &mode, &w, &h);
        CHECK(ok == cases[i].ok, "'%s': %s", cases[i].s, ok ? "accepted" : "rejected");
        if (ok && cases[i].ok)
            CHECK(mode == cases[i].mode && w == cases[i].w && h == cases[i].h, "'%s': mode %u %ux%u", cases[i].s, mode,
                  w, h);
        /* the same through the parser */
        char t[64];
        kiln_err e;
        snprintf(t, sizeof t, "fb=%s\n", cases[i].s);
        bool pok = parse(t, &cfg, &e);
        CHECK(pok == cases[i].ok, "'%s' through imgconfig_parse: %s", t, pok ? "accepted" : e.msg);
        if (pok && cases[i].ok)
            CHECK(cfg.fb_set && cfg.fb_mode == cases[i].mode && cfg.fb_width == cases[i].w &&
                      cfg.fb_height == cases[i].h,
                  "'%s' through imgconfig_parse", t);
    }
}

#define rnd test_rand

/* Random texts built from config-ish pieces and random bytes: the parser
 * never reads outside the text, and what it accepts is well-formed. */
TEST(img_fuzz) {
    static const char *pieces[] = {"cmdline=", "log=", "fb=", "serial=", "on", "off", "debug", "info", "max:", "min:",
                                   "1024x768", "x", "65535", "#", "\n", "\r\n", "\r", "=", " ", "\t", "auto", "keep"};
    char *t = malloc(IMGCONFIG_MAX_SIZE + 64);
    test_seed(UINT64_C(0x696d67636f6e6621));
    unsigned accepted = 0;
    for (unsigned it = 0; it < 20000 && !test_failed_now(); it++) {
        size_t n = 0, want = rnd() % 64 == 0 ? IMGCONFIG_MAX_SIZE - 32 + rnd() % 64 : rnd() % 200;
        while (n < want) {
            if (rnd() % 4) {
                const char *pc = pieces[rnd() % ARRAY_LEN(pieces)];
                size_t l = strlen(pc);
                if (n + l > want) break;
                memcpy(t + n, pc, l), n += l;
            } else {
                t[n++] = (char)rnd();
            }
        }
        kiln_err e;
        if (parse_n(t, n, &cfg, &e)) {
            accepted++;
            bool ok = cfg.cmdline_len <= IMGCONFIG_CMDLINE_MAX && cfg.cmdline[cfg.cmdline_len] == 0 &&
                      strlen(cfg.cmdline) == cfg.cmdline_len && cfg.log_level >= LOG_ERROR && cfg.log_level <= LOG_DEBUG &&
                      cfg.fb_mode < KILN_FB_MODE_COUNT && cfg.fb_width <= 65535 && cfg.fb_height <= 65535;
            for (uint32_t k = 0; k < cfg.cmdline_len; k++)
                ok = ok && ((unsigned char)cfg.cmdline[k] >= 0x20 || cfg.cmdline[k] == '\t');
            bool sized = cfg.fb_mode == KILN_FB_PREFERRED || cfg.fb_mode == KILN_FB_MAX || cfg.fb_mode == KILN_FB_MIN;
            ok = ok && (!cfg.fb_set || sized == (cfg.fb_width && cfg.fb_height));
            CHECK(ok, "iteration %u: accepted a malformed result", it);
        } else {
            CHECK(strncmp(e.msg, "config", 6) == 0, "iteration %u: message \"%s\"", it, e.msg);
        }
    }
    CHECK(accepted > 500, "only %u of 20000 accepted", accepted);
    free(t);
}
