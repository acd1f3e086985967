/*
 * rt.h: the tiny freestanding runtime of hyve's test guests: port and MMIO
 * access, polled output on the COM1 16550, a printf, CPUID, and ways out
 * (debug-exit and power-off).  Guests define `int main(const struct
 * hyve_boot_info *bi)`; its return value is written to the debug-exit port,
 * and the guest then powers off (which ends hyve with status 0 when
 * --debug-exit is off).  x86.h has interrupts, APICs and SMP.
 */
#ifndef HYVE_GUEST_RT_H
#define HYVE_GUEST_RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/memmap.h"

#define RT_COM1 0x3f8
#define RT_DEBUG_EXIT 0x501
#define RT_POST 0x80
#define RT_ACPI_PM1A_CNT (PORT_ACPI_PM + 4)

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint8_t mmio_read8(uint64_t addr)
{
	return *(volatile uint8_t *)addr;
}
static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)addr;
}
static inline uint64_t mmio_read64(uint64_t addr)
{
	return *(volatile uint64_t *)addr;
}
static inline void mmio_write8(uint64_t addr, uint8_t v)
{
	*(volatile uint8_t *)addr = v;
}
static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}
static inline void mmio_write64(uint64_t addr, uint64_t v)
{
	*(volatile uint64_t *)addr = v;
}

/*
 * Firmware tables in memory, read as an OS reads them: little-endian
 * fields at any alignment, a byte at a time, and the byte sum their
 * checksums make zero (ACPI, the MP table).
 */
static inline uint16_t mem_le16(uint64_t a)
{
	return (uint16_t)(mmio_read8(a) | mmio_read8(a + 1) << 8);
}
static inline uint32_t mem_le32(uint64_t a)
{
	return mem_le16(a) | (uint32_t)mem_le16(a + 2) << 16;
}
static inline uint64_t mem_le64(uint64_t a)
{
	return mem_le32(a) | (uint64_t)mem_le32(a + 4) << 32;
}
static inline uint8_t mem_sum8(uint64_t a, uint32_t len)
{
	uint8_t s = 0;

	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + mmio_read8(a + i));
	return s;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

void rt_putc(char c);
void rt_puts(const char *s);
int rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* Read one byte from COM1, waiting at most `spins` polls; -1 on timeout. */
int rt_getc(unsigned long spins);
size_t rt_strlen(const char *s);
/* The value of KEY=VALUE on the command line (up to a space), or NULL. */
const char *rt_arg(const struct hyve_boot_info *bi, const char *key);
/* A decimal or 0x-prefixed number at s (dflt when s is NULL or empty). */
uint64_t rt_strtoul(const char *s, uint64_t dflt);
int rt_strcmp(const char *a, const char *b);

/* Write v to the debug-exit port (hyve exits (v << 1) | 1), then halt. */
__attribute__((noreturn)) void rt_exit(uint8_t v);
/*
 * The end of a guest without --debug-exit: power off through hyve's ACPI
 * PM1a control block (S5); hyve ends with status 0.
 */
__attribute__((noreturn)) void rt_halt(void);

int main(const struct hyve_boot_info *bi);

#endif
