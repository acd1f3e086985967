/*
 * rt.c: the guest runtime.  Output polls the 16550's line status register
 * for "transmitter holding register empty" before each byte, as a driver for
 * real hardware must.  Everything here is integer-only.
 */
#include "rt.h"

#define LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20

void rt_putc(char c)
{
	unsigned int spins = 100000;

	while (!(inb(RT_COM1 + LSR) & LSR_THRE) && --spins)
		;
	outb(RT_COM1, (uint8_t)c);
}

void rt_puts(const char *s)
{
	while (*s)
		rt_putc(*s++);
}

int rt_getc(unsigned long spins)
{
	while (spins--) {
		if (inb(RT_COM1 + LSR) & LSR_DR)
			return inb(RT_COM1);
	}
	return -1;
}

size_t rt_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int rt_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

struct out {
	char *buf;
	size_t size, len;
};

static void out_put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_num(struct out *o, uint64_t v, unsigned int base, bool neg,
		    bool alt, int width, char pad)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (alt && base == 16) {
		out_put(o, '0');
		out_put(o, 'x');
		width -= 2;
	}
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		out_put(o, pad);
	while (n)
		out_put(o, tmp[--n]);
}

/* Supports %c %s %d %i %u %x %p %% with l/ll/z, '#', a width and 0-padding. */
int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		bool alt = false;
		char pad = ' ';

		if (*fmt != '%') {
			out_put(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '#')
			alt = true, fmt++;
		if (*fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z')
			lng++, fmt++;
		switch (*fmt) {
		case 'c':
			out_put(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = (int)rt_strlen(s ? s : "(null)");
			while (width-- > len)
				out_put(&o, ' ');
			for (s = s ? s : "(null)"; *s; s++)
				out_put(&o, *s);
			break;
		}
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			out_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10,
				v < 0, false, width, pad);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = lng ? va_arg(ap, uint64_t)
					 : va_arg(ap, unsigned int);
			out_num(&o, v, *fmt == 'u' ? 10 : 16, false, alt,
				width, pad);
			break;
		}
		case 'p':
			out_num(&o, (uintptr_t)va_arg(ap, void *), 16, false,
				true, width, pad);
			break;
		case '%':
			out_put(&o, '%');
			break;
		default:
			out_put(&o, '%');
			if (!*fmt)
				goto done;
			out_put(&o, *fmt);
		}
	}
done:
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int rt_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = rt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rt_puts(buf);
	return n;
}

void rt_halt(void)
{
	/* SLP_TYP = 5 (hyve's \_S5) in bits 10-12, SLP_EN bit 13. */
	outw(RT_ACPI_PM1A_CNT, (5u << 10) | (1u << 13));
	for (;;)
		__asm__ volatile("cli; hlt");
}

void rt_exit(uint8_t v)
{
	outb(RT_DEBUG_EXIT, v);
	rt_halt();
}

void rt_main(const struct hyve_boot_info *bi);
void rt_main(const struct hyve_boot_info *bi)
{
	rt_exit((uint8_t)main(bi));
}

const char *rt_arg(const struct hyve_boot_info *bi, const char *key)
{
	const char *s = bi ? (const char *)(uintptr_t)bi->cmdline : NULL;
	size_t n = rt_strlen(key);

	while (s && *s) {
		while (*s == ' ')
			s++;
		size_t i = 0;
		while (i < n && s[i] == key[i])
			i++;
		if (i == n && s[n] == '=')
			return s + n + 1;
		while (*s && *s != ' ')
			s++;
	}
	return NULL;
}

uint64_t rt_strtoul(const char *s, uint64_t dflt)
{
	uint64_t v = 0;
	unsigned int base = 10, d;

	if (!s || !*s)
		return dflt;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	for (;; s++) {
		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			break;
		v = v * base + d;
	}
	return v;
}
