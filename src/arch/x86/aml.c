/*
 * aml.c: the AML byte-code builder.  See aml.h.
 *
 * Everything here follows ACPI 6.5: the encodings of chapter 20 (section
 * numbers below) and the resource descriptors of 6.4.  Multi-byte values
 * in AML and in resource descriptors are little-endian.
 */
#include "arch/x86/aml.h"

#include <errno.h>
#include <string.h>

/* Opcodes and prefixes (20.3 "AML Byte Stream Byte Values"). */
#define AML_ZERO	    0x00
#define AML_ONE		    0x01
#define AML_NAME_OP	    0x08
#define AML_BYTE_PREFIX	    0x0a
#define AML_WORD_PREFIX	    0x0b
#define AML_DWORD_PREFIX    0x0c
#define AML_STRING_PREFIX   0x0d
#define AML_QWORD_PREFIX    0x0e
#define AML_SCOPE_OP	    0x10
#define AML_BUFFER_OP	    0x11
#define AML_PACKAGE_OP	    0x12
#define AML_METHOD_OP	    0x14
#define AML_DUAL_NAME	    0x2e
#define AML_MULTI_NAME	    0x2f
#define AML_EXT_OP	    0x5b
#define AML_EXT_DEVICE_OP   0x82 /* after AML_EXT_OP */
#define AML_ROOT_CHAR	    0x5c /* '\' */
#define AML_PARENT_CHAR	    0x5e /* '^' */
#define AML_RETURN_OP	    0xa4
#define AML_ONES	    0xff
#define AML_NULL_NAME	    0x00
#define AML_NAME_SEG_LEN    4
#define AML_MAX_NAME_SEGS   255
#define AML_MAX_PKG_ELEMS   255
#define AML_MAX_METHOD_ARGS 7

/* Resource descriptor tags (6.4.2 small, 6.4.3 large). */
#define RES_IRQ_NOFLAGS 0x22 /* small item 0x04, 2 bytes */
#define RES_IO		0x47 /* small item 0x08, 7 bytes */
#define RES_END_TAG	0x79 /* small item 0x0f, 1 byte */
#define RES_MEM32_FIXED 0x86 /* large item 0x06 */
#define RES_DWORD_ADDR	0x87 /* large item 0x07 */
#define RES_WORD_ADDR	0x88 /* large item 0x08 */
#define RES_QWORD_ADDR	0x8a /* large item 0x0a */

#define RES_IO_DECODE16 0x01 /* IO: _DEC, decodes 16 address bits */
#define RES_MEM_RW	0x01 /* Memory32Fixed and memory _RW: read-write */

/* Address space descriptors (6.4.3.5): resource type, byte 3. */
#define ADDR_TYPE_MEM 0
#define ADDR_TYPE_IO  1
#define ADDR_TYPE_BUS 2
/* General flags, byte 4: _MAF and _MIF set, positive decode, producer. */
#define ADDR_FIXED_PRODUCER 0x0c
/* Type-specific flags, byte 5 (tables 6.50 and 6.51). */
#define ADDR_MEM_FLAGS RES_MEM_RW /* _MEM 0: non-cacheable */
#define ADDR_IO_FLAGS  0x03	  /* _RNG 3: entire range */

static void fail(struct aml *a, int err)
{
	if (!a->err)
		a->err = err;
}

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
	a->buf = buf;
	a->len = 0;
	a->cap = buf ? cap : 0;
	a->err = 0;
}

int aml_error(const struct aml *a)
{
	return a->err;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->err)
		return;
	if (n > a->cap - a->len) {
		fail(a, -ENOSPC);
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

/* n bytes of v, least significant first. */
static void put_le(struct aml *a, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		aml_byte(a, (uint8_t)(v >> (8 * i)));
}

/* Insert n bytes at offset at, moving what follows up. */
static void insert(struct aml *a, size_t at, const uint8_t *p, size_t n)
{
	if (a->err)
		return;
	if (at > a->len) {
		fail(a, -EINVAL);
		return;
	}
	if (n > a->cap - a->len) {
		fail(a, -ENOSPC);
		return;
	}
	memmove(a->buf + at + n, a->buf + at, a->len - at);
	memcpy(a->buf + at, p, n);
	a->len += n;
}

/*
 * PkgLength (20.2.4): one byte holds 0-63 in bits 0-5.  Otherwise bits 6-7
 * of the lead byte count the bytes that follow (1-3), its bits 0-3 hold
 * the low nibble of the length and the following bytes the rest, 8 bits
 * each.  Returns the bytes used, 0 when len is too large.
 */
static size_t pkglen_encode(size_t len, uint8_t out[4])
{
	size_t n;

	if (len <= 0x3f) {
		out[0] = (uint8_t)len;
		return 1;
	}
	if (len > AML_PKGLEN_MAX)
		return 0;
	n = len <= 0xfff ? 2 : len <= 0xfffff ? 3 : 4;
	out[0] = (uint8_t)((n - 1) << 6 | (len & 0x0f));
	for (size_t i = 1; i < n; i++)
		out[i] = (uint8_t)(len >> (4 + 8 * (i - 1)));
	return n;
}

void aml_pkglen(struct aml *a, size_t len)
{
	uint8_t enc[4];
	size_t n = pkglen_encode(len, enc);

	if (!n)
		fail(a, -EINVAL);
	aml_bytes(a, enc, n);
}

void aml_end(struct aml *a, size_t mark)
{
	uint8_t enc[4];
	size_t body;

	if (a->err)
		return;
	if (mark > a->len) {
		fail(a, -EINVAL);
		return;
	}
	/* The length counts its own bytes: find the size that holds both. */
	body = a->len - mark;
	for (size_t k = 1; k <= 4; k++) {
		if (pkglen_encode(body + k, enc) == k) {
			insert(a, mark, enc, k);
			return;
		}
	}
	fail(a, -EINVAL);
}

/* Integer constants (20.2.3): the smallest encoding of v. */
static size_t int_encode(uint64_t v, uint8_t out[9])
{
	unsigned int n;

	if (v == 0 || v == 1) {
		out[0] = v ? AML_ONE : AML_ZERO;
		return 1;
	}
	if (v == UINT64_MAX) { /* Ones: all bits, in a revision 2 table */
		out[0] = AML_ONES;
		return 1;
	}
	if (v <= UINT8_MAX) {
		out[0] = AML_BYTE_PREFIX;
		n = 1;
	} else if (v <= UINT16_MAX) {
		out[0] = AML_WORD_PREFIX;
		n = 2;
	} else if (v <= UINT32_MAX) {
		out[0] = AML_DWORD_PREFIX;
		n = 4;
	} else {
		out[0] = AML_QWORD_PREFIX;
		n = 8;
	}
	for (unsigned int i = 0; i < n; i++)
		out[1 + i] = (uint8_t)(v >> (8 * i));
	return 1 + n;
}

void aml_int(struct aml *a, uint64_t v)
{
	uint8_t enc[9];

	aml_bytes(a, enc, int_encode(v, enc));
}

void aml_string(struct aml *a, const char *s)
{
	if (!s) {
		fail(a, -EINVAL);
		return;
	}
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p > 0x7f) {
			fail(a, -EINVAL);
			return;
		}
	}
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1); /* with the NullChar */
}

/*
 * The length (1-4) of the NameSeg at s, which ends at "." or the end of the
 * string; 0 when it is not a valid one (20.2.2: LeadNameChar is A-Z or "_",
 * NameChar adds 0-9).
 */
static size_t seg_len(const char *s)
{
	size_t n;

	for (n = 0; s[n] && s[n] != '.'; n++) {
		char c = s[n];
		bool ok = c == '_' || (c >= 'A' && c <= 'Z') ||
			  (n > 0 && c >= '0' && c <= '9');

		if (!ok || n == AML_NAME_SEG_LEN)
			return 0;
	}
	return n;
}

void aml_name_string(struct aml *a, const char *path)
{
	const char *p = path, *segs;
	unsigned int nseg = 0;

	if (!path) {
		fail(a, -EINVAL);
		return;
	}
	if (*p == '\\')
		p++;
	else
		while (*p == '^')
			p++;
	segs = p;

	/* Check every segment and count them before writing anything. */
	while (*p) {
		size_t n = seg_len(p);

		if (!n || nseg == AML_MAX_NAME_SEGS) {
			fail(a, -EINVAL);
			return;
		}
		nseg++;
		p += n;
		if (*p == '.') {
			p++;
			if (!*p) { /* a trailing "." */
				fail(a, -EINVAL);
				return;
			}
		}
	}

	aml_bytes(a, path, (size_t)(segs - path)); /* RootChar or ^... */
	if (nseg == 0) {
		aml_byte(a, AML_NULL_NAME);
	} else if (nseg == 2) {
		aml_byte(a, AML_DUAL_NAME);
	} else if (nseg > 2) {
		aml_byte(a, AML_MULTI_NAME);
		aml_byte(a, (uint8_t)nseg);
	}
	p = segs;
	for (unsigned int i = 0; i < nseg; i++) {
		size_t n = seg_len(p);

		aml_bytes(a, p, n);
		aml_bytes(a, "___", AML_NAME_SEG_LEN - n); /* pad with "_" */
		p += n;
		if (*p == '.')
			p++;
	}
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * EISAID (ACPI 6.5, 19.6 "ASL Operator Reference"): the three letters, 5
 * bits each with "A" = 1, make a 15-bit vendor code; the four hex digits a
 * 16-bit product number.  Both are stored big-endian, vendor first, in the
 * four bytes of a 32-bit integer, so "PNP0501" is bytes 41 d0 05 01.
 */
int aml_eisaid_value(const char *id, uint32_t *out)
{
	uint32_t vendor = 0, product = 0;

	if (!id || strlen(id) != 7)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z')
			return -EINVAL;
		vendor = vendor << 5 | (uint32_t)(id[i] - 'A' + 1);
	}
	for (int i = 3; i < 7; i++) {
		int d = hex_digit(id[i]);

		if (d < 0)
			return -EINVAL;
		product = product << 4 | (uint32_t)d;
	}
	*out = (vendor >> 8) | (vendor & 0xff) << 8 | (product >> 8) << 16 |
	       (product & 0xff) << 24;
	return 0;
}

void aml_eisaid(struct aml *a, const char *id)
{
	uint32_t v = 0;
	int ret = aml_eisaid_value(id, &v);

	if (ret)
		fail(a, ret);
	aml_int(a, v);
}

/* DefBuffer (20.2.5.4): BufferOp PkgLength BufferSize ByteList. */
static size_t buffer_open(struct aml *a)
{
	aml_byte(a, AML_BUFFER_OP);
	return a->len;
}

static void buffer_close(struct aml *a, size_t mark)
{
	uint8_t enc[9];

	if (a->err)
		return;
	if (mark > a->len) {
		fail(a, -EINVAL);
		return;
	}
	insert(a, mark, enc, int_encode(a->len - mark, enc));
	aml_end(a, mark);
}

void aml_buffer(struct aml *a, const void *data, size_t n)
{
	size_t mark = buffer_open(a);

	aml_bytes(a, data, n);
	buffer_close(a, mark);
}

/* DefName (20.2.5.1): NameOp NameString DataRefObject. */
void aml_name(struct aml *a, const char *name)
{
	aml_byte(a, AML_NAME_OP);
	aml_name_string(a, name);
}

void aml_name_int(struct aml *a, const char *name, uint64_t v)
{
	aml_name(a, name);
	aml_int(a, v);
}

void aml_name_str(struct aml *a, const char *name, const char *s)
{
	aml_name(a, name);
	aml_string(a, s);
}

void aml_name_eisaid(struct aml *a, const char *name, const char *id)
{
	aml_name(a, name);
	aml_eisaid(a, id);
}

/* DefScope (20.2.5.1): ScopeOp PkgLength NameString TermList. */
size_t aml_scope(struct aml *a, const char *name)
{
	size_t mark;

	aml_byte(a, AML_SCOPE_OP);
	mark = a->len;
	aml_name_string(a, name);
	return mark;
}

/* DefDevice (20.2.5.2): DeviceOp PkgLength NameString TermList. */
size_t aml_device(struct aml *a, const char *name)
{
	size_t mark;

	aml_byte(a, AML_EXT_OP);
	aml_byte(a, AML_EXT_DEVICE_OP);
	mark = a->len;
	aml_name_string(a, name);
	return mark;
}

/*
 * DefMethod (20.2.5.2): MethodOp PkgLength NameString MethodFlags TermList;
 * MethodFlags holds the argument count in bits 0-2, SerializeFlag in bit 3
 * and SyncLevel (0 here) in bits 4-7.
 */
size_t aml_method(struct aml *a, const char *name, unsigned int nargs,
		  bool serialized)
{
	size_t mark;

	if (nargs > AML_MAX_METHOD_ARGS)
		fail(a, -EINVAL);
	aml_byte(a, AML_METHOD_OP);
	mark = a->len;
	aml_name_string(a, name);
	aml_byte(a, (uint8_t)(nargs | (serialized ? 0x08 : 0)));
	return mark;
}

/* DefPackage (20.2.5.4): PackageOp PkgLength NumElements PackageElementList */
size_t aml_package(struct aml *a, unsigned int count)
{
	size_t mark;

	if (count > AML_MAX_PKG_ELEMS)
		fail(a, -EINVAL);
	aml_byte(a, AML_PACKAGE_OP);
	mark = a->len;
	aml_byte(a, (uint8_t)count);
	return mark;
}

/* DefReturn (20.2.5.3): ReturnOp ArgObject. */
void aml_return_int(struct aml *a, uint64_t v)
{
	aml_byte(a, AML_RETURN_OP);
	aml_int(a, v);
}

void aml_method_int(struct aml *a, const char *name, uint64_t v)
{
	size_t m = aml_method(a, name, 0, false);

	aml_return_int(a, v);
	aml_end(a, m);
}

size_t aml_resource(struct aml *a)
{
	return buffer_open(a);
}

/* End Tag (6.4.2.9): a checksum of 0 means "treat as correct". */
void aml_resource_end(struct aml *a, size_t mark)
{
	aml_byte(a, RES_END_TAG);
	aml_byte(a, 0);
	buffer_close(a, mark);
}

/* I/O Port Descriptor (6.4.2.5), 16-bit decode. */
void aml_res_io(struct aml *a, uint16_t min, uint16_t max, uint8_t align,
		uint8_t len)
{
	aml_byte(a, RES_IO);
	aml_byte(a, RES_IO_DECODE16);
	put_le(a, min, 2);
	put_le(a, max, 2);
	aml_byte(a, align);
	aml_byte(a, len);
}

/* IRQ Descriptor (6.4.2.1) without the information byte: a 16-bit mask. */
void aml_res_irq(struct aml *a, unsigned int irq)
{
	if (irq > 15) {
		fail(a, -EINVAL);
		return;
	}
	aml_byte(a, RES_IRQ_NOFLAGS);
	put_le(a, 1U << irq, 2);
}

/* 32-Bit Fixed Memory Range Descriptor (6.4.3.4): 9 bytes after the tag. */
void aml_res_mem32_fixed(struct aml *a, bool rw, uint32_t base, uint32_t len)
{
	aml_byte(a, RES_MEM32_FIXED);
	put_le(a, 9, 2);
	aml_byte(a, rw ? RES_MEM_RW : 0);
	put_le(a, base, 4);
	put_le(a, len, 4);
}

/*
 * Word, DWord and QWord Address Space Descriptors (6.4.3.5.1-3): tag,
 * length, resource type, general flags, type-specific flags, then five
 * fields of width bytes each: granularity, min, max, translation offset,
 * length.  A fixed window needs granularity 0 and length max - min + 1
 * (6.4.3.5, "Valid Combination of Address Space Descriptor Fields").
 */
static void addr_space(struct aml *a, uint8_t tag, unsigned int width,
		       uint8_t type, uint8_t type_flags, uint64_t min,
		       uint64_t max)
{
	uint64_t top = width == 8 ? UINT64_MAX : (1ULL << (8 * width)) - 1;

	if (min > max || max - min >= top) { /* the length would not fit */
		fail(a, -EINVAL);
		return;
	}
	aml_byte(a, tag);
	put_le(a, 3 + 5 * width, 2);
	aml_byte(a, type);
	aml_byte(a, ADDR_FIXED_PRODUCER);
	aml_byte(a, type_flags);
	put_le(a, 0, width); /* granularity */
	put_le(a, min, width);
	put_le(a, max, width);
	put_le(a, 0, width); /* translation offset */
	put_le(a, max - min + 1, width);
}

void aml_res_word_bus(struct aml *a, uint16_t min, uint16_t max)
{
	addr_space(a, RES_WORD_ADDR, 2, ADDR_TYPE_BUS, 0, min, max);
}

void aml_res_word_io(struct aml *a, uint16_t min, uint16_t max)
{
	addr_space(a, RES_WORD_ADDR, 2, ADDR_TYPE_IO, ADDR_IO_FLAGS, min, max);
}

void aml_res_dword_mem(struct aml *a, uint32_t min, uint32_t max)
{
	addr_space(a, RES_DWORD_ADDR, 4, ADDR_TYPE_MEM, ADDR_MEM_FLAGS, min,
		   max);
}

void aml_res_qword_mem(struct aml *a, uint64_t min, uint64_t max)
{
	addr_space(a, RES_QWORD_ADDR, 8, ADDR_TYPE_MEM, ADDR_MEM_FLAGS, min,
		   max);
}
