/* test_datetime.c - calendar time and CMOS RTC decoding (core/datetime.c). */
#include <string.h>

#include "core/datetime.h"
#include "tests/unit/testlib.h"

TEST(calendar) {
    int64_t t = -1;
    CHECK(datetime_to_unix(1970, 1, 1, 0, 0, 0, &t) && t == 0, "the epoch: %lld", (long long)t);
    CHECK(datetime_to_unix(2031, 5, 4, 3, 2, 1, &t) && t == 1935630121, "2031-05-04T03:02:01: %lld", (long long)t);
    CHECK(datetime_to_unix(2000, 2, 29, 12, 0, 0, &t) && t == 951825600, "2000-02-29 (a leap year): %lld", (long long)t);
    CHECK(datetime_to_unix(2038, 1, 19, 3, 14, 8, &t) && t == INT64_C(2147483648), "past 2^31: %lld", (long long)t);
    CHECK(datetime_to_unix(9999, 12, 31, 23, 59, 59, &t) && t == INT64_C(253402300799), "9999-12-31: %lld", (long long)t);
    CHECK(datetime_to_unix(2016, 12, 31, 23, 59, 60, &t) && t == 1483228799, "a leap second counts as :59");
    static const uint32_t bad[][6] = {
        {1900, 2, 29, 0, 0, 0}, {2023, 2, 29, 0, 0, 0}, {2024, 4, 31, 0, 0, 0}, {2024, 13, 1, 0, 0, 0},
        {2024, 0, 1, 0, 0, 0},  {2024, 1, 0, 0, 0, 0},  {2024, 1, 1, 24, 0, 0}, {2024, 1, 1, 0, 60, 0},
        {2024, 1, 1, 0, 0, 61}, {1969, 12, 31, 0, 0, 0}, {10000, 1, 1, 0, 0, 0}, {0xffffffffu, 1, 1, 0, 0, 0},
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = 7;
        CHECK(!datetime_to_unix(bad[i][0], bad[i][1], bad[i][2], bad[i][3], bad[i][4], bad[i][5], &t) && t == 7,
              "%u-%u-%u %u:%u:%u accepted", bad[i][0], bad[i][1], bad[i][2], bad[i][3], bad[i][4], bad[i][5]);
    }
}

TEST(cmos_formats) {
    int64_t t = 0;
    /* QEMU's default: BCD, 24-hour, century register 0x32. */
    struct cmos_time c = {0x01, 0x02, 0x03, 0x04, 0x05, 0x31, CMOS_B_24HOUR, 0x20, true};
    CHECK(cmos_time_to_unix(&c, &t) && t == 1935630121, "BCD 24-hour: %lld", (long long)t);
    struct cmos_time b = {1, 2, 3, 4, 5, 31, CMOS_B_24HOUR | CMOS_B_BINARY, 20, true};
    CHECK(cmos_time_to_unix(&b, &t) && t == 1935630121, "binary 24-hour: %lld", (long long)t);
    /* 12-hour: 3 AM, then 3 PM (bit 7), 12 AM is midnight, 12 PM is noon. */
    struct cmos_time h = c;
    h.status_b = 0;
    CHECK(cmos_time_to_unix(&h, &t) && t == 1935630121, "BCD 12-hour, 3 AM");
    h.hour = 0x83;
    CHECK(cmos_time_to_unix(&h, &t) && t == 1935630121 + 12 * 3600, "BCD 12-hour, 3 PM");
    h.hour = 0x12;
    CHECK(cmos_time_to_unix(&h, &t) && t == 1935630121 - 3 * 3600, "12 AM is midnight");
    h.hour = 0x92;
    CHECK(cmos_time_to_unix(&h, &t) && t == 1935630121 + 9 * 3600, "12 PM is noon");
    h.status_b = CMOS_B_BINARY, h.hour = 0x80 | 11, h.year = 31, h.second = 1, h.minute = 2, h.day = 4, h.month = 5,
    h.century = 20;
    CHECK(cmos_time_to_unix(&h, &t) && t == 1935630121 + 20 * 3600, "binary 12-hour, 11 PM");
    /* Without a century register: 70-99 are 19xx, 00-69 are 20xx. */
    struct cmos_time n = c;
    n.has_century = false, n.century = 0x99;
    CHECK(cmos_time_to_unix(&n, &t) && t == 1935630121, "no century register: 2031");
    n.year = 0x99;
    CHECK(cmos_time_to_unix(&n, &t) && t == 925786921, "no century register: 1999 (%lld)", (long long)t);
}

TEST(cmos_hostile) {
    int64_t t = 5;
    struct cmos_time ok = {0x01, 0x02, 0x03, 0x04, 0x05, 0x31, CMOS_B_24HOUR, 0x20, true}, c;
    c = ok, c.second = 0x1a;
    CHECK(!cmos_time_to_unix(&c, &t), "a BCD digit above 9 accepted");
    c = ok, c.minute = 0x60;
    CHECK(!cmos_time_to_unix(&c, &t), "minute 60 accepted");
    c = ok, c.month = 0x13;
    CHECK(!cmos_time_to_unix(&c, &t), "month 13 accepted");
    c = ok, c.day = 0x31, c.month = 0x04;
    CHECK(!cmos_time_to_unix(&c, &t), "April 31 accepted");
    c = ok, c.century = 0x0a;
    CHECK(!cmos_time_to_unix(&c, &t), "a century byte that is not BCD accepted");
    c = ok, c.century = 0x18;
    CHECK(!cmos_time_to_unix(&c, &t), "the 1800s accepted");
    c = ok, c.status_b = 0, c.hour = 0x13;
    CHECK(!cmos_time_to_unix(&c, &t), "hour 13 in 12-hour mode accepted");
    c = ok, c.status_b = 0, c.hour = 0x80;
    CHECK(!cmos_time_to_unix(&c, &t), "hour 0 PM in 12-hour mode accepted");
    c = ok, c.status_b = CMOS_B_BINARY | CMOS_B_24HOUR, c.year = 100, c.century = 20;
    CHECK(!cmos_time_to_unix(&c, &t), "binary year 100 accepted");
    memset(&c, 0xff, sizeof c); /* no clock at all: the bus floats */
    c.has_century = true;
    CHECK(!cmos_time_to_unix(&c, &t) && t == 5, "all ones accepted");
}
