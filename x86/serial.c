/* serial.c - COM1 and port 0xe9 output (serial.h). */
#include "x86/serial.h"

#include "x86/cpu.h"

#define COM1 0x3f8
#define THR 0 /* transmit holding register */
#define IER 1
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define SCR 7
#define LSR_THRE 0x20
#define SPIN_LIMIT 200000 /* ~ms at port-I/O speed; a stuck UART must not hang the boot */

static bool present, debugcon;

bool serial_init(void) {
    /* Probe 1: the scratch register holds what we write (absent ports float to 0xff). */
    outb(COM1 + SCR, 0xa5);
    if (inb(COM1 + SCR) != 0xa5) return present = false;
    outb(COM1 + SCR, 0x5a);
    if (inb(COM1 + SCR) != 0x5a) return present = false;
    outb(COM1 + IER, 0x00); /* no interrupts: we poll */
    outb(COM1 + LCR, 0x80); /* DLAB on to reach the divisor */
    outb(COM1 + 0, 0x01);   /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + LCR, 0x03); /* 8 data bits, no parity, 1 stop bit, DLAB off */
    outb(COM1 + FCR, 0xc7); /* FIFOs on and cleared, 14-byte threshold */
    /* Probe 2: loopback. A UART that does not echo in loopback mode is
     * either not a 16550 or broken; do not trust it. Interrupts are off
     * meanwhile: UEFI's terminal driver polls the receiver from a timer
     * event and would otherwise steal the echoed byte. */
    uint64_t flags;
    __asm__ volatile("pushfq; pop %0; cli" : "=r"(flags) : : "memory");
    for (int i = 0; i < 64 && (inb(COM1 + LSR) & 1); i++) (void)inb(COM1 + 0); /* drain */
    outb(COM1 + MCR, 0x1e);
    outb(COM1 + THR, 0xae);
    bool echo = false;
    for (int i = 0; i < SPIN_LIMIT && !echo; i++) echo = (inb(COM1 + LSR) & 1) != 0;
    echo = echo && inb(COM1 + 0) == 0xae;
    outb(COM1 + MCR, 0x03); /* normal operation: DTR and RTS, no OUT2 (IRQ line off) */
    if (flags & 0x200) __asm__ volatile("sti" ::: "memory");
    return present = echo;
}

void serial_disable(void) { present = false; }

static void raw_putc(char c) {
    int i = 0;
    while (!(inb(COM1 + LSR) & LSR_THRE)) {
        if (++i == SPIN_LIMIT) {
            present = false; /* transmitter stuck: stop using it */
            return;
        }
    }
    outb(COM1 + THR, (uint8_t)c);
}

void serial_putc(char c) {
    if (!present) return;
    if (c == '\n') raw_putc('\r');
    raw_putc(c);
}

bool debugcon_init(void) { return debugcon = inb(0xe9) == 0xe9; }

void debugcon_putc(char c) {
    if (debugcon) outb(0xe9, (uint8_t)c);
}
