/* cmos.c - the CMOS real-time clock (cmos.h). */
#include "x86/cmos.h"

#include "core/datetime.h"
#include "core/kstring.h"
#include "x86/cpu.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define REG_A_UIP 0x80u /* register 0x0A bit 7: an update is in progress */

/* Index writes keep bit 7 (NMI disable) clear, as firmware leaves it. */
static uint8_t cmos_read(uint8_t reg) {
    outb(CMOS_INDEX, reg & 0x7f);
    return inb(CMOS_DATA);
}

/* An update takes under 2 ms once UIP is set; each port read takes about a
 * microsecond on real hardware, so this bound is far longer than any update
 * and still ends on a clock that is stuck updating (or absent: 0xff). */
static bool wait_update(void) {
    for (uint32_t i = 0; i < 1000000; i++)
        if (!(cmos_read(0x0a) & REG_A_UIP)) return true;
    return false;
}

static bool read_once(uint8_t century_reg, struct cmos_time *t) {
    if (!wait_update()) return false;
    t->second = cmos_read(0x00);
    t->minute = cmos_read(0x02);
    t->hour = cmos_read(0x04);
    t->day = cmos_read(0x07);
    t->month = cmos_read(0x08);
    t->year = cmos_read(0x09);
    t->has_century = century_reg != 0;
    t->century = century_reg ? cmos_read(century_reg) : 0;
    t->status_b = cmos_read(0x0b);
    return true;
}

bool cmos_unix_time(uint8_t century_reg, int64_t *out) {
    /* An update may begin between the UIP check and the last read; two
     * passes that agree cannot straddle one. */
    struct cmos_time a, b;
    if (!read_once(century_reg, &a)) return false;
    for (int tries = 0; tries < 8; tries++) {
        if (!read_once(century_reg, &b)) return false;
        if (!memcmp(&a, &b, sizeof a)) return cmos_time_to_unix(&a, out);
        a = b;
    }
    return false;
}
