/*
 * decompress.c: telling the format, the output buffer, and initramfs images
 * made of several members.  See decompress.h; the decoders are in
 * decompress_stream.c (zlib, liblzma, libbz2, libzstd) and
 * decompress_block.c (LZ4 legacy, lzop).
 *
 * initramfs facts (Documentation/driver-api/early-userspace/
 * buffer-format.rst, init/initramfs.c): a "newc" cpio header is 110 ASCII
 * bytes, the magic "070701" ("070702" with checksums) then 13 fields of 8
 * hex digits; c_filesize is at offset 54, c_namesize (counting the NUL) at
 * 94.  The name follows the header, then the data, each padded to 4 bytes
 * from the start of the archive.  The entry named "TRAILER!!!" ends an
 * archive.  Between members, the kernel skips NUL bytes.
 */
#include "boot/decompress.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DECOMPRESS_MIN_CAP (256u << 10)

#define CPIO_HDR_LEN	  110
#define CPIO_FILESIZE_OFF 54
#define CPIO_NAMESIZE_OFF 94
#define CPIO_TRAILER	  "TRAILER!!!" /* 11 bytes with its NUL */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	enum decompress_format f;
	uint8_t len;
	const char *magic;
} decompress_magics[] = {
	{ DECOMPRESS_GZIP, 2, "\x1f\x8b" },
	{ DECOMPRESS_GZIP, 2, "\x1f\x9e" },
	{ DECOMPRESS_XZ, 6, "\xfd\x37\x7a\x58\x5a\0" },
	{ DECOMPRESS_LZMA, 3, "\x5d\0\0" },
	{ DECOMPRESS_BZIP2, 3, "BZh" },
	{ DECOMPRESS_LZO, 9, "\x89LZO\0\r\n\x1a\n" },
	{ DECOMPRESS_LZ4, 4, "\x02\x21\x4c\x18" },
	{ DECOMPRESS_ZSTD, 4, "\x28\xb5\x2f\xfd" },
	/* Compressed, but not in a format Linux reads. */
	{ DECOMPRESS_UNKNOWN, 4, "\x04\x22\x4d\x18" }, /* LZ4 frame */
	{ DECOMPRESS_UNKNOWN, 2, "\x1f\x9d" },	       /* compress(1) */
};

static decompress_fn *const decompress_decoders[] = {
	[DECOMPRESS_GZIP] = decompress_gzip,
	[DECOMPRESS_XZ] = decompress_xz,
	[DECOMPRESS_LZMA] = decompress_lzma,
	[DECOMPRESS_BZIP2] = decompress_bzip2,
	[DECOMPRESS_LZ4] = decompress_lz4,
	[DECOMPRESS_ZSTD] = decompress_zstd,
	[DECOMPRESS_LZO] = decompress_lzo,
};

enum decompress_format decompress_detect(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < ARRAY_SIZE(decompress_magics); i++) {
		if (len >= decompress_magics[i].len &&
		    !memcmp(p, decompress_magics[i].magic,
			    decompress_magics[i].len))
			return decompress_magics[i].f;
	}
	return DECOMPRESS_NONE;
}

const char *decompress_format_name(enum decompress_format f)
{
	switch (f) {
	case DECOMPRESS_NONE:
		return "none";
	case DECOMPRESS_GZIP:
		return "gzip";
	case DECOMPRESS_XZ:
		return "xz";
	case DECOMPRESS_LZMA:
		return "lzma";
	case DECOMPRESS_BZIP2:
		return "bzip2";
	case DECOMPRESS_LZ4:
		return "lz4";
	case DECOMPRESS_ZSTD:
		return "zstd";
	case DECOMPRESS_LZO:
		return "lzo";
	default:
		return "unknown";
	}
}

int decompress_fail(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* The output buffer ------------------------------------------------------ */

static size_t decompress_out_limit(const struct decompress_out *o)
{
	return o->max < SIZE_MAX ? o->max + 1 : SIZE_MAX;
}

int decompress_out_reserve(struct decompress_out *o, size_t want)
{
	size_t limit = decompress_out_limit(o);
	size_t need, cap;
	uint8_t *p;

	if (o->len >= limit)
		return -EFBIG;
	if (want > limit - o->len)
		want = limit - o->len;
	if (o->cap - o->len >= want)
		return 0;
	need = o->len + want;
	cap = o->cap < DECOMPRESS_MIN_CAP ? DECOMPRESS_MIN_CAP : o->cap;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
	if (cap > limit)
		cap = limit;
	p = realloc(o->buf, cap);
	if (!p)
		return -ENOMEM;
	o->buf = p;
	o->cap = cap;
	return 0;
}

int decompress_out_fail(const struct decompress_out *o, int rc, const char *fmt,
			char *err, size_t errlen)
{
	if (rc == -EFBIG)
		return decompress_fail(
			rc, err, errlen,
			"%s: decompresses to more than %zu bytes", fmt, o->max);
	if (rc == -ENOMEM)
		return decompress_fail(rc, err, errlen,
				       "%s: out of memory after %zu bytes of "
				       "output",
				       fmt, o->len);
	return decompress_fail(rc, err, errlen, "%s: error %d", fmt, rc);
}

static int decompress_out_append(struct decompress_out *o, const void *src,
				 size_t n)
{
	int rc;

	if (n == 0)
		return 0;
	if (n > o->max || o->len > o->max - n)
		return -EFBIG;
	rc = decompress_out_reserve(o, n);
	if (rc)
		return rc;
	memcpy(o->buf + o->len, src, n);
	o->len += n;
	return 0;
}

/* NUL bytes up to a multiple of 4, where the kernel looks for a header. */
static int decompress_out_align(struct decompress_out *o)
{
	static const uint8_t zeros[3];

	return decompress_out_append(o, zeros, -o->len & 3);
}

/* Hand the buffer over, trimmed, or free it on failure. */
static int decompress_out_finish(struct decompress_out *o, int rc, void **out,
				 size_t *out_len, const char *fmt, char *err,
				 size_t errlen)
{
	uint8_t *p;

	if (!rc && o->len > o->max)
		rc = decompress_out_fail(o, -EFBIG, fmt, err, errlen);
	if (!rc && o->len < o->cap) {
		p = realloc(o->buf, o->len ? o->len : 1);
		if (p)
			o->buf = p;
	}
	if (!rc && !o->buf) {
		o->buf = malloc(1);
		if (!o->buf)
			rc = decompress_out_fail(o, -ENOMEM, fmt, err, errlen);
	}
	if (rc) {
		free(o->buf);
		*out = NULL;
		*out_len = 0;
		return rc;
	}
	*out = o->buf;
	*out_len = o->len;
	return 0;
}

/* One stream ------------------------------------------------------------- */

int decompress(enum decompress_format f, const void *src, size_t len,
	       size_t max_out, void **out, size_t *out_len, char *err,
	       size_t errlen)
{
	struct decompress_out o = { .max = max_out };
	const char *name = decompress_format_name(f);
	size_t used;
	int rc;

	*out = NULL;
	*out_len = 0;
	if ((unsigned int)f >= ARRAY_SIZE(decompress_decoders) ||
	    !decompress_decoders[f]) {
		if (len >= 4 && !memcmp(src, "\x04\x22\x4d\x18", 4))
			return decompress_fail(-ENOTSUP, err, errlen,
					       "LZ4 frame format, which Linux "
					       "does not read: use lz4 -l");
		return decompress_fail(-ENOTSUP, err, errlen,
				       "cannot decompress format \"%s\"", name);
	}
	rc = decompress_decoders[f](src, len, &o, &used, err, errlen);
	return decompress_out_finish(&o, rc, out, out_len, name, err, errlen);
}

/* initramfs -------------------------------------------------------------- */

static bool decompress_hex8(const uint8_t *p, uint32_t *v)
{
	uint32_t x = 0;

	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];

		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return false;
		x = x << 4 | c;
	}
	*v = x;
	return true;
}

/*
 * The length of the cpio archive at p, through its trailer entry and that
 * entry's padding (cut short if the data ends first); 0 when p is not a
 * whole archive.
 */
static size_t decompress_cpio_len(const uint8_t *p, size_t len)
{
	size_t pos = 0;

	for (;;) {
		const uint8_t *h = p + pos;
		size_t left = len - pos;
		uint32_t namesize, filesize;
		uint64_t head, body;

		if (left < CPIO_HDR_LEN || memcmp(h, "07070", 5) ||
		    (h[5] != '1' && h[5] != '2'))
			return 0;
		if (!decompress_hex8(h + CPIO_FILESIZE_OFF, &filesize) ||
		    !decompress_hex8(h + CPIO_NAMESIZE_OFF, &namesize))
			return 0;
		head = ((uint64_t)CPIO_HDR_LEN + namesize + 3) & ~3ULL;
		body = ((uint64_t)filesize + 3) & ~3ULL;
		if (namesize == sizeof(CPIO_TRAILER) &&
		    left >= CPIO_HDR_LEN + sizeof(CPIO_TRAILER) &&
		    !memcmp(h + CPIO_HDR_LEN, CPIO_TRAILER,
			    sizeof(CPIO_TRAILER)))
			return head + body < left ? pos + head + body : len;
		if (head + body > left)
			return 0;
		pos += head + body;
	}
}

int decompress_initramfs(const void *src, size_t len, size_t max_out,
			 void **out, size_t *out_len, char *err, size_t errlen)
{
	struct decompress_out o = { .max = max_out };
	const uint8_t *s = src;
	size_t pos = 0, used, members = 0;
	char sub[256];
	int rc = 0;

	*out = NULL;
	*out_len = 0;
	while (pos < len) {
		const uint8_t *p = s + pos;
		size_t left = len - pos, n;
		enum decompress_format f;

		if (*p == 0) {
			pos++;
			continue;
		}
		rc = decompress_out_align(&o);
		if (rc)
			break;
		n = decompress_cpio_len(p, left);
		if (n) {
			rc = decompress_out_append(&o, p, n);
			if (rc)
				break;
			pos += n;
			continue;
		}
		f = decompress_detect(p, left);
		if (f == DECOMPRESS_NONE || f == DECOMPRESS_UNKNOWN) {
			/* Not ours to judge: the kernel will say. */
			rc = decompress_out_append(&o, p, left);
			break;
		}
		sub[0] = 0;
		rc = decompress_decoders[f](p, left, &o, &used, sub,
					    sizeof(sub));
		if (!rc && o.len > o.max)
			rc = decompress_out_fail(&o, -EFBIG,
						 decompress_format_name(f), sub,
						 sizeof(sub));
		if (!rc && used == 0) /* no decoder does this; never loop */
			rc = decompress_fail(-EINVAL, sub, sizeof(sub),
					     "%s: empty stream",
					     decompress_format_name(f));
		if (rc) {
			free(o.buf);
			return decompress_fail(rc, err, errlen,
					       "initramfs: member at byte %zu: "
					       "%s",
					       pos, sub);
		}
		members++;
		pos += used;
	}
	if (rc)
		rc = decompress_out_fail(&o, rc, "initramfs", err, errlen);
	else if (!members)
		rc = decompress_fail(-EALREADY, err, errlen,
				     "initramfs: nothing is compressed");
	return decompress_out_finish(&o, rc, out, out_len, "initramfs", err,
				     errlen);
}
