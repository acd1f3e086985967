/*
 * aml.h: a small builder for ACPI Machine Language, the byte code of the
 * DSDT (ACPI 6.5, chapter 20 "ACPI Machine Language (AML) Specification"),
 * and for the resource templates that _CRS returns (6.4 "Resource Data
 * Types for ACPI").
 *
 * Built: package lengths (20.2.4), name strings with the root and parent
 * prefixes and multi-segment paths (20.2.2), integers in their smallest
 * encoding, strings, buffers and packages (20.2.3, 20.2.5.4), Name, Scope,
 * Device and Method with a Return of a constant (20.2.5), the EISAID macro,
 * and the resource descriptors IO, IRQNoFlags, Memory32Fixed,
 * WordBusNumber, WordIO, DWordMemory and QWordMemory with the End Tag.
 *
 * Not built: operators and expressions beyond Return, operation regions and
 * fields, If/While, VarPackage (so a package holds at most 255 elements),
 * descriptors with a resource source, and any check that a name is defined.
 *
 * Errors are sticky, so that a caller chains calls and checks once: the
 * first one (-ENOSPC: the buffer is full; -EINVAL: a bad name, string or
 * argument) is kept in err, and every later call does nothing.
 *
 * Objects that hold other objects (Scope, Device, Method, Package and a
 * ResourceTemplate) are opened by a call that returns a mark and closed by
 * aml_end() (aml_resource_end() for a template) with that mark, innermost
 * first; their length is inserted when they close.
 *
 * Ownership: the caller owns struct aml and the buffer it points at; the
 * builder takes no lock and allocates nothing.
 */
#ifndef HYVE_ARCH_X86_AML_H
#define HYVE_ARCH_X86_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest PkgLength value, which counts its own bytes (20.2.4). */
#define AML_PKGLEN_MAX 0x0fffffff

struct aml {
	uint8_t *buf;
	size_t len; /* bytes written */
	size_t cap; /* size of buf */
	int err;    /* 0, or the first error (negative errno) */
};

/* Start writing at buf, which holds cap bytes. */
void aml_init(struct aml *a, uint8_t *buf, size_t cap);

/* 0, or the first error since aml_init(). */
int aml_error(const struct aml *a);

/* Raw bytes. */
void aml_byte(struct aml *a, uint8_t b);
void aml_bytes(struct aml *a, const void *p, size_t n);

/*
 * A PkgLength field holding len, the length of the package including the
 * field itself: 1 byte up to 63, then 2, 3 or 4 bytes up to 2^12, 2^20 or
 * 2^28 - 1.  -EINVAL above that.  aml_end() uses it; it is public for tests.
 */
void aml_pkglen(struct aml *a, size_t len);

/*
 * A NameString: an optional "\" (root) or any number of "^" (parent), then
 * zero or more NameSegs separated by ".", e.g. "\\_SB.PCI0" or "_HID".  A
 * segment is 1 to 4 characters, A-Z, 0-9 and "_", not starting with a
 * digit; a shorter one is padded with "_" ("_S5" is "_S5_").
 */
void aml_name_string(struct aml *a, const char *path);

/* An integer: Zero, One, Ones, or a Byte/Word/DWord/QWord constant. */
void aml_int(struct aml *a, uint64_t v);

/* A String: ASCII 0x01-0x7f only. */
void aml_string(struct aml *a, const char *s);

/*
 * The EISAID macro: "PNP0501" (three letters A-Z, four hex digits) packed
 * into 32 bits, as the ASL compiler does.  0 and *out set, or -EINVAL.
 */
int aml_eisaid_value(const char *id, uint32_t *out);
/* The same, written as an integer. */
void aml_eisaid(struct aml *a, const char *id);

/* Buffer (n) { data } */
void aml_buffer(struct aml *a, const void *data, size_t n);

/* Name (name, ...): the value follows, written by the caller. */
void aml_name(struct aml *a, const char *name);
void aml_name_int(struct aml *a, const char *name, uint64_t v);
void aml_name_str(struct aml *a, const char *name, const char *s);
void aml_name_eisaid(struct aml *a, const char *name, const char *id);

/* Open an object; close it with aml_end(a, mark). */
size_t aml_scope(struct aml *a, const char *name);
size_t aml_device(struct aml *a, const char *name);
/* A method of nargs (0-7) arguments; the body follows. */
size_t aml_method(struct aml *a, const char *name, unsigned int nargs,
		  bool serialized);
/* A package of count (0-255) elements, which the caller then writes. */
size_t aml_package(struct aml *a, unsigned int count);
void aml_end(struct aml *a, size_t mark);

/* Return (v) */
void aml_return_int(struct aml *a, uint64_t v);
/* Method (name) { Return (v) }, e.g. _STA returning 0x0f. */
void aml_method_int(struct aml *a, const char *name, uint64_t v);

/*
 * ResourceTemplate () { ... }: a Buffer of resource descriptors.  Open it,
 * write descriptors, then close it with aml_resource_end(), which adds the
 * End Tag (checksum 0: "treat as correct", 6.4.2.9) and the buffer size.
 */
size_t aml_resource(struct aml *a);
void aml_resource_end(struct aml *a, size_t mark);

/* IO (Decode16, min, max, align, len): 6.4.2.5 */
void aml_res_io(struct aml *a, uint16_t min, uint16_t max, uint8_t align,
		uint8_t len);
/* IRQNoFlags () { irq }: 6.4.2.1, edge, active high, exclusive; irq 0-15 */
void aml_res_irq(struct aml *a, unsigned int irq);
/* Memory32Fixed (ReadWrite or ReadOnly, base, len): 6.4.3.4 */
void aml_res_mem32_fixed(struct aml *a, bool rw, uint32_t base, uint32_t len);

/*
 * Address space descriptors for a bridge's windows (6.4.3.5): a resource
 * producer, min and max fixed, positive decode, granularity and translation
 * 0, length max - min + 1.  -EINVAL when min > max or the length does not
 * fit the width.  Memory is non-cacheable and read-write; I/O is the entire
 * range (ISA and non-ISA).
 */
void aml_res_word_bus(struct aml *a, uint16_t min, uint16_t max);
void aml_res_word_io(struct aml *a, uint16_t min, uint16_t max);
void aml_res_dword_mem(struct aml *a, uint32_t min, uint32_t max);
void aml_res_qword_mem(struct aml *a, uint64_t min, uint64_t max);

#endif
