/* datetime.c - calendar and RTC decoding (datetime.h). */
#include "core/datetime.h"

static bool leap(uint32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static uint32_t month_days(uint32_t y, uint32_t m) {
    static const uint8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return days[m - 1] + (m == 2 && leap(y));
}

/* Days from 1970-01-01 to y-m-d (Howard Hinnant's days_from_civil, for the
 * years accepted here: all positive, so plain unsigned division works). */
static int64_t days_from_civil(uint32_t y, uint32_t m, uint32_t d) {
    y -= m <= 2;
    uint32_t era = y / 400, yoe = y - era * 400;
    uint32_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int64_t)era * 146097 + (int64_t)doe - 719468;
}

bool datetime_to_unix(uint32_t year, uint32_t month, uint32_t day, uint32_t hour, uint32_t minute, uint32_t second,
                      int64_t *out) {
    if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 || day > month_days(year, month) ||
        hour > 23 || minute > 59 || second > 60)
        return false;
    if (second == 60) second = 59;
    *out = days_from_civil(year, month, day) * 86400 + (int64_t)(hour * 3600 + minute * 60 + second);
    return true;
}

/* One register: binary as is, or two BCD digits; false on a digit above 9. */
static bool reg(uint8_t v, bool binary, uint32_t *out) {
    if (binary) {
        *out = v;
        return true;
    }
    if ((v & 0x0f) > 9 || (v >> 4) > 9) return false;
    *out = (uint32_t)(v >> 4) * 10 + (v & 0x0f);
    return true;
}

bool cmos_time_to_unix(const struct cmos_time *t, int64_t *out) {
    bool bin = t->status_b & CMOS_B_BINARY;
    uint32_t s, mi, h, d, mo, y, c = 0;
    bool pm = !(t->status_b & CMOS_B_24HOUR) && (t->hour & 0x80);
    if (!reg(t->second, bin, &s) || !reg(t->minute, bin, &mi) || !reg(pm ? t->hour & 0x7f : t->hour, bin, &h) ||
        !reg(t->day, bin, &d) || !reg(t->month, bin, &mo) || !reg(t->year, bin, &y) ||
        (t->has_century && !reg(t->century, bin, &c)))
        return false;
    if (!(t->status_b & CMOS_B_24HOUR)) { /* 12-hour: 1-12, 12 AM is midnight */
        if (h < 1 || h > 12) return false;
        h = h % 12 + (pm ? 12 : 0);
    }
    if (y > 99) return false;
    if (t->has_century) {
        if (c < 19 || c > 99) return false;
        y += c * 100;
    } else {
        y += y >= 70 ? 1900 : 2000;
    }
    return datetime_to_unix(y, mo, d, h, mi, s, out);
}
