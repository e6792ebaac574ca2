/* rt.c - the runner test kernel: tests `kiln run --test` and `kiln test`
 * themselves rather than the loader. What it does is chosen by one word on
 * its command line (tests/boot/runner.plan boots each of them):
 *
 *   pass         leave QEMU with the success code (exit 33), no markers
 *   fail         leave QEMU with the failure code (exit 35)
 *   spin         loop forever (the runner's --timeout must end it)
 *   marker-fail  print a "[FAIL] rt.marker" line, then exit with success:
 *                the runner must still count the boot as failed
 *   clean-exit   ACPI power-off, then a triple fault: QEMU exits 0, which
 *                the runner must count as a failure
 *   expect       print "alpha", "beta", "gamma" on lines of their own
 *   prompt       print "login: ", read COM1 until a line "root" arrives,
 *                print "welcome root" and pass (tests --reply)
 *   halt-msg     print "rt: halted on purpose" and halt forever (--pass-on)
 *   panic        print "rt: kernel panic: on purpose" and halt forever with
 *                interrupts off, as a kernel's panic handler does: in test
 *                mode only the timeout ends it, and that is a failure
 *   triple-fault load an empty IDT and execute int3: the #BP cannot be
 *                delivered, nor the #GP and #DF that follow, so the CPU
 *                shuts down and QEMU (-no-reboot) exits 0, a failure
 *   paint        paint the framebuffer in a known pattern (left half red,
 *                right half blue, a green 64x64 square at the top left),
 *                print "rt: painted WxH" and halt (kiln run --screenshot)
 */
#include <kiln.h>

#include "tk.h"

static void pass(void) { kiln_qemu_exit(1); }
static void fail(void) { kiln_qemu_exit(0); }

static void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }

static __attribute__((noreturn)) void halt_forever(void) {
    for (;;) __asm__ volatile("cli; hlt");
}

static __attribute__((noreturn)) void spin(void) {
    for (volatile uint64_t n = 0;; n++) __asm__ volatile("pause");
}

/* An IDT with no entries: every exception becomes a triple fault. */
static __attribute__((noreturn)) void triple_fault(void) {
    static const struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } no_idt = {0, 0};
    __asm__ volatile("cli; lidt %0; int3" : : "m"(no_idt));
    halt_forever(); /* not reached */
}

/* QEMU exits with status 0 without isa-debug-exit: first the ACPI PM1a
 * control register SeaBIOS and OVMF program at 0x604 (SLP_EN | S5), then,
 * should that do nothing, a triple fault (with -no-reboot QEMU exits). */
static __attribute__((noreturn)) void clean_exit(void) {
    outw(0x604, 0x2000);
    triple_fault();
}

/* Reads one byte from COM1 (polling the line status register's "data
 * ready" bit), waiting until the TSC passes `until`, or for `polls` reads
 * when the TSC frequency is unknown. Returns -1 when nothing arrived. */
static int serial_getc(uint64_t until, uint64_t polls) {
    for (uint64_t i = 0; until ? rdtsc() < until : i < polls; i++)
        if (kiln_inb(0x3fd) & 0x01) return kiln_inb(0x3f8);
    return -1;
}

static void prompt(const struct kiln_boot_info *bi) {
    tk_printf("login: ");
    char line[32];
    unsigned n = 0;
    /* Up to 30 s for the whole reply: far longer than a runner takes, even
     * on a loaded machine, and still bounded. Without a TSC frequency: a
     * billion polls (each an exit to QEMU's device model, about a minute
     * under TCG). */
    uint64_t until = bi->tsc_frequency ? rdtsc() + 30 * bi->tsc_frequency : 0;
    for (;;) {
        int c = serial_getc(until, 1000000000);
        if (c < 0) {
            tk_printf("\n[FAIL] rt.prompt: no input on COM1\n");
            fail();
        }
        if (c == '\r' || c == '\n') {
            line[n] = 0;
            if (n == 4 && line[0] == 'r' && line[1] == 'o' && line[2] == 'o' && line[3] == 't') break;
            tk_printf("\nrt: unexpected login '%s'\nlogin: ", line);
            n = 0;
            continue;
        }
        if (n < sizeof line - 1) line[n++] = (char)c;
    }
    tk_printf("\nwelcome root\n");
    pass();
}

/* One pixel of colour r, g, b (0..255) in the framebuffer's format (8-bit
 * channels where the masks say so, as Kiln's 32 and 24 bpp modes are). */
static void put_pixel(const struct kiln_framebuffer *fb, uint32_t x, uint32_t y, uint8_t r, uint8_t g, uint8_t b) {
    uint32_t v = (uint32_t)r << fb->red_mask_shift | (uint32_t)g << fb->green_mask_shift |
                 (uint32_t)b << fb->blue_mask_shift;
    volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)fb->address + (uint64_t)y * fb->pitch + x * (fb->bpp / 8u);
    for (uint32_t i = 0; i < fb->bpp / 8u; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static __attribute__((noreturn)) void paint(struct kiln_boot_info *bi) {
    const struct kiln_framebuffer *fb = &bi->framebuffer;
    if (!fb->address) {
        tk_printf("[FAIL] rt.paint: no framebuffer\n");
        fail();
    }
    for (uint32_t y = 0; y < fb->height; y++)
        for (uint32_t x = 0; x < fb->width; x++) {
            if (x < 64 && y < 64) put_pixel(fb, x, y, 0, 255, 0);
            else if (x < fb->width / 2) put_pixel(fb, x, y, 255, 0, 0);
            else put_pixel(fb, x, y, 0, 0, 255);
        }
    tk_printf("rt: painted %ux%u\n", fb->width, fb->height);
    halt_forever();
}

static void rt_main(struct kiln_boot_info *bi) {
    const char *cmd = bi->cmdline ? bi->cmdline : "";
    tk_printf("rt: command line '%s'\n", cmd);
    if (kiln_cmdline_has(cmd, "pass")) {
        pass();
    } else if (kiln_cmdline_has(cmd, "fail")) {
        fail();
    } else if (kiln_cmdline_has(cmd, "spin")) {
        tk_printf("rt: spinning\n");
        spin();
    } else if (kiln_cmdline_has(cmd, "marker-fail")) {
        tk_printf("[FAIL] rt.marker: a deliberate failure marker\n");
        pass();
    } else if (kiln_cmdline_has(cmd, "clean-exit")) {
        clean_exit();
    } else if (kiln_cmdline_has(cmd, "expect")) {
        tk_printf("alpha\nbeta\ngamma\n");
        pass();
    } else if (kiln_cmdline_has(cmd, "prompt")) {
        prompt(bi);
    } else if (kiln_cmdline_has(cmd, "halt-msg")) {
        tk_printf("rt: halted on purpose\n");
        halt_forever();
    } else if (kiln_cmdline_has(cmd, "panic")) {
        tk_printf("rt: kernel panic: on purpose\n");
        halt_forever();
    } else if (kiln_cmdline_has(cmd, "paint")) {
        paint(bi);
    } else if (kiln_cmdline_has(cmd, "triple-fault")) {
        tk_printf("rt: triple fault\n");
        triple_fault();
    }
    tk_printf("rt: no behaviour word on the command line (pass, fail, spin, marker-fail, "
              "clean-exit, expect, prompt, halt-msg, panic, triple-fault, paint)\n");
    fail();
}

KILN_ENTRY(rt_main);
