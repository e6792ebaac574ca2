/* guest.h - what kiln recognises about a boot besides its serial verdict
 * (guest.c), all pure so the unit tests reach every case:
 *   - what a `kiln run` target is (a kernel ELF, a disk image, an ISO 9660
 *     image, or something that cannot boot, named);
 *   - an unexpected reset of the guest, from QEMU's `-d cpu_reset` log
 *     (the CPU state dumped at each reset);
 *   - firmware that found nothing to boot: SeaBIOS's "No bootable device."
 *     on its debug port (0x402), OVMF starting its shell (serial);
 *   - the escape sequences firmware consoles write to clear and redraw the
 *     screen, dropped from the serial output shown on the terminal. */
#ifndef KILN_TOOL_GUEST_H
#define KILN_TOOL_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- the target ------------------------------------------------------------------ */

enum target_kind {
    TARGET_ELF,   /* an ELF file: kiln builds its image (the ELF checks come then) */
    TARGET_DISK,  /* a disk image: an MBR boot signature or a GPT header */
    TARGET_ISO,   /* an ISO 9660 image (CD001 at sector 16) */
    TARGET_OTHER, /* nothing kiln can boot; what says what it looks like */
};

/* head: the file's first bytes (up to 36 KiB is enough: ISO 9660's volume
 * descriptor is at 32769), n of them; name: the file name (its extension
 * helps to name source files). what (for TARGET_OTHER, else a short
 * description) is a static string: "an empty file", "C source (text)",
 * "a PE/COFF executable (a Windows or EFI program)", ... */
enum target_kind target_identify(const uint8_t *head, size_t n, const char *name, const char **what);

/* --- resets ------------------------------------------------------------------------ */

/* The first reset of CPU 0 after it started running (the dumps QEMU writes
 * at power-on show a CPU that never ran: EIP 0 or the reset vector
 * f000:fff0). cause: "a triple fault" when QEMU logged one just before,
 * else "a reset". state: the general and control register lines of the
 * dump (no FPU or vector registers), NUL-terminated, at most state_cap
 * bytes. Returns false when the log has no such reset (yet). */
bool reset_scan(const char *log, size_t len, const char **cause, char *state, size_t state_cap);

/* --- firmware that found nothing to boot ------------------------------------------ */

/* SeaBIOS's debug port output (text; it may hold NUL bytes): its message
 * when it tried every boot device, or NULL. */
const char *fw_debug_no_boot(const char *text, size_t len);
/* A serial line (escape sequences and all): OVMF giving up on the disks
 * and starting its shell or boot menu; the message, or NULL. */
const char *fw_serial_no_boot(const char *line);

/* --- the terminal ------------------------------------------------------------------ */

/* Drops screen clears (ESC [ ... J), cursor positioning (ESC [ ... H,
 * ESC [ ... f), screen modes (ESC [ = ... h) and the terminal reset (ESC c)
 * from a stream; colours and everything else pass. A sequence may be cut
 * between two calls: the state carries it over. out needs room for
 * n + TERM_FILTER_HOLD bytes (a held sequence that turns out harmless is
 * written then); returns how many were written. */
#define TERM_FILTER_HOLD 32
struct term_filter {
    char held[TERM_FILTER_HOLD]; /* an escape sequence not finished yet */
    size_t nheld;
};
size_t term_filter(struct term_filter *f, const char *in, size_t n, char *out);

#endif
