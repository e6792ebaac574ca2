/* serial.h - COM1 16550 output. Probed before use (scratch register and
 * loopback), programmed fully (115200, 8N1, FIFOs), and every wait for the
 * transmitter is bounded: with no UART, or a stuck one, output is dropped
 * rather than hanging the boot. */
#ifndef X86_SERIAL_H
#define X86_SERIAL_H

#include <stdbool.h>

bool serial_init(void); /* true if a working UART was found */
void serial_putc(char c);
void serial_disable(void);

bool debugcon_init(void); /* port 0xe9 (QEMU/Bochs): reads back 0xe9 when present */
void debugcon_putc(char c);

#endif
