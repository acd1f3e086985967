/*
 * decompress_block.c: the formats whose framing hyve parses itself, with
 * the library decoding one block at a time: LZ4's legacy frame (liblz4)
 * and lzop files (liblzo2).  See decompress.h.
 *
 * LZ4 legacy frame (lz4's doc/lz4_Frame_format.md, "Legacy frame"): the
 * magic 0x184C2102 (LE), then blocks of [u32 LE compressed size][data],
 * each decompressing to at most 8 MiB.  There is no end marker: the stream
 * ends with the data, or at a block size that cannot be one.  A size equal
 * to the magic starts another frame (lz4 -l writes one per input file),
 * which Linux's lib/decompress_unlz4.c reads on through.  hyve ends the
 * stream at fewer than 4 bytes, a size of 0 (NUL padding) or a size above
 * LZ4_compressBound(8 MiB), and takes a last 4-byte word that cannot be a
 * whole block for what Linux's build appends to a kernel (its size); a
 * block cut short anywhere else is an error.  So a cut at a block boundary
 * cannot be seen, and nothing checks the data: the format has no checksum.
 *
 * lzop (lzop 1.04's source, the only spec; Linux's lib/decompress_unlzo.c
 * reads the same layout; multi-byte fields are big-endian):
 *   magic 89 4c 5a 4f 00 0d 0a 1a 0a, u16 version, u16 library version,
 *   [u16 version needed to extract], u8 method, [u8 level], u32 flags,
 *   (u32 filter if F_H_FILTER), u32 mode, u32 mtime, [u32 mtime high],
 *   u8 name length, name, u32 checksum of the header after the magic
 *   (Adler-32, CRC-32 with F_H_CRC32), then with F_H_EXTRA_FIELD a u32
 *   length, that many bytes and their u32 checksum.  The fields in []
 *   exist from version 0x0940 on.
 * Then blocks: u32 uncompressed size (0 ends the file), u32 compressed
 * size, a u32 Adler-32 and/or CRC-32 of the uncompressed data
 * (F_ADLER32_D, F_CRC32_D), then, only for a block that is compressed
 * (compressed size < uncompressed; equal means stored), the same for the
 * compressed data (F_ADLER32_C, F_CRC32_C), then the data.  Methods 1-3
 * (LZO1X-1, LZO1X-1(15), LZO1X-999) all decode with lzo1x_decompress_safe.
 * hyve checks every checksum present (Linux checks none); it refuses
 * filters and other methods.  Adler-32 starts at 1 and CRC-32 at 0, as in
 * zlib, whose functions compute them.
 */
#include "boot/decompress.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lzo/lzo1x.h>
#include <zlib.h>

#define LZ4_LEGACY_MAGIC 0x184c2102u
#define LZ4_LEGACY_BLOCK (8u << 20)

#define LZOP_F_ADLER32_D     0x00000001u
#define LZOP_F_ADLER32_C     0x00000002u
#define LZOP_F_H_EXTRA_FIELD 0x00000040u
#define LZOP_F_CRC32_D	     0x00000100u
#define LZOP_F_CRC32_C	     0x00000200u
#define LZOP_F_H_FILTER	     0x00000800u
#define LZOP_F_H_CRC32	     0x00001000u
#define LZOP_MAX_BLOCK	     (64u << 20) /* lzop's MAX_BLOCK_SIZE */

static const uint8_t lzop_magic[9] = { 0x89, 0x4c, 0x5a, 0x4f, 0x00,
				       0x0d, 0x0a, 0x1a, 0x0a };

static uint32_t decompress_get_le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* LZ4 legacy ------------------------------------------------------------- */

/*
 * One block into the output.  When less than 8 MiB of room is left before
 * the limit, a failure may mean "too big" as well as "corrupt": decoding
 * into an 8 MiB scratch buffer tells which.
 */
static int decompress_lz4_block(const uint8_t *blk, uint32_t size,
				struct decompress_out *o, size_t at, char *err,
				size_t errlen)
{
	size_t room;
	char *scratch;
	int n, rc;

	rc = decompress_out_reserve(o, LZ4_LEGACY_BLOCK);
	if (rc)
		return decompress_out_fail(o, rc, "lz4", err, errlen);
	room = o->cap - o->len;
	if (room > LZ4_LEGACY_BLOCK)
		room = LZ4_LEGACY_BLOCK;
	n = LZ4_decompress_safe((const char *)blk, (char *)o->buf + o->len,
				(int)size, (int)room);
	if (n >= 0) {
		o->len += (size_t)n;
		return 0;
	}
	if (room < LZ4_LEGACY_BLOCK) {
		scratch = malloc(LZ4_LEGACY_BLOCK);
		if (!scratch)
			return decompress_out_fail(o, -ENOMEM, "lz4", err,
						   errlen);
		n = LZ4_decompress_safe((const char *)blk, scratch, (int)size,
					LZ4_LEGACY_BLOCK);
		free(scratch);
		if (n >= 0)
			return decompress_out_fail(o, -EFBIG, "lz4", err,
						   errlen);
	}
	return decompress_fail(-EINVAL, err, errlen,
			       "lz4: corrupt block at byte %zu (%u bytes)", at,
			       size);
}

int decompress_lz4(const uint8_t *src, size_t len, struct decompress_out *o,
		   size_t *used, char *err, size_t errlen)
{
	const uint32_t bound = (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK);
	size_t pos = 4;
	int rc = 0;

	if (len < 4 || decompress_get_le32(src) != LZ4_LEGACY_MAGIC)
		return decompress_fail(-EINVAL, err, errlen,
				       "lz4: not an LZ4 legacy frame (magic "
				       "02 21 4c 18)");
	while (len - pos >= 4) {
		uint32_t size = decompress_get_le32(src + pos);

		if (size == LZ4_LEGACY_MAGIC) {
			pos += 4; /* the next frame */
			continue;
		}
		if (size == 0 || size > bound)
			break; /* not a block: what follows the stream */
		if (size > len - pos - 4) {
			if (len - pos == 4)
				break; /* a last word, not a block */
			rc = decompress_fail(-EINVAL, err, errlen,
					     "lz4: truncated: the block at "
					     "byte %zu needs %u bytes, %zu are "
					     "left",
					     pos, size, len - pos - 4);
			break;
		}
		rc = decompress_lz4_block(src + pos + 4, size, o, pos, err,
					  errlen);
		if (rc)
			break;
		pos += 4 + (size_t)size;
	}
	*used = pos;
	return rc;
}

/* lzop ------------------------------------------------------------------- */

/* A cursor over the input that fails once at its end. */
struct lzop_in {
	const uint8_t *p;
	size_t len, pos;
	bool cut;
};

static const uint8_t *lzop_take(struct lzop_in *in, size_t n)
{
	const uint8_t *p = in->p + in->pos;

	if (in->cut || n > in->len - in->pos) {
		in->cut = true;
		return NULL;
	}
	in->pos += n;
	return p;
}

static uint32_t lzop_be(struct lzop_in *in, size_t n)
{
	const uint8_t *p = lzop_take(in, n);
	uint32_t v = 0;

	for (size_t i = 0; p && i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t lzop_adler32(const uint8_t *p, size_t n)
{
	return (uint32_t)adler32_z(1, p, n);
}

static uint32_t lzop_crc32(const uint8_t *p, size_t n)
{
	return (uint32_t)crc32_z(0, p, n);
}

/* Read the checksums that flags say are there, then check them on p[n]. */
static int lzop_check(struct lzop_in *in, uint32_t flags, uint32_t f_adler,
		      uint32_t f_crc, const uint8_t *p, size_t n,
		      const char *what, size_t at, char *err, size_t errlen)
{
	uint32_t adler = flags & f_adler ? lzop_be(in, 4) : 0;
	uint32_t crc = flags & f_crc ? lzop_be(in, 4) : 0;

	if (in->cut)
		return 0; /* the caller reports the cut */
	if ((flags & f_adler) && lzop_adler32(p, n) != adler)
		return decompress_fail(-EINVAL, err, errlen,
				       "lzo: Adler-32 of the %s at byte %zu "
				       "does not match",
				       what, at);
	if ((flags & f_crc) && lzop_crc32(p, n) != crc)
		return decompress_fail(-EINVAL, err, errlen,
				       "lzo: CRC-32 of the %s at byte %zu does "
				       "not match",
				       what, at);
	return 0;
}

static int lzop_header(struct lzop_in *in, uint32_t *flags, char *err,
		       size_t errlen)
{
	uint32_t version, method, filter = 0, sum;
	size_t start;

	if (!lzop_take(in, sizeof(lzop_magic)))
		return 0;
	start = in->pos;
	version = lzop_be(in, 2);
	lzop_be(in, 2); /* the library's version */
	if (version >= 0x0940)
		lzop_be(in, 2); /* the version needed to extract */
	method = lzop_be(in, 1);
	if (version >= 0x0940)
		lzop_be(in, 1); /* the level */
	*flags = lzop_be(in, 4);
	if (*flags & LZOP_F_H_FILTER)
		filter = lzop_be(in, 4);
	lzop_be(in, 4); /* mode */
	lzop_be(in, 4); /* mtime */
	if (version >= 0x0940)
		lzop_be(in, 4);	       /* mtime, high half */
	lzop_take(in, lzop_be(in, 1)); /* the name */
	if (in->cut)
		return 0;
	sum = *flags & LZOP_F_H_CRC32
		      ? lzop_crc32(in->p + start, in->pos - start)
		      : lzop_adler32(in->p + start, in->pos - start);
	if (lzop_be(in, 4) != sum && !in->cut)
		return decompress_fail(-EINVAL, err, errlen,
				       "lzo: header checksum does not match");
	if (*flags & LZOP_F_H_EXTRA_FIELD) {
		/* Its checksum covers its length too. */
		start = in->pos;
		lzop_take(in, lzop_be(in, 4));
		if (in->cut)
			return 0;
		sum = *flags & LZOP_F_H_CRC32
			      ? lzop_crc32(in->p + start, in->pos - start)
			      : lzop_adler32(in->p + start, in->pos - start);
		if (lzop_be(in, 4) != sum && !in->cut)
			return decompress_fail(-EINVAL, err, errlen,
					       "lzo: header extra field "
					       "checksum does not match");
	}
	if (in->cut)
		return 0;
	if (version < 0x0900)
		return decompress_fail(-EINVAL, err, errlen,
				       "lzo: lzop format version %#x is older "
				       "than lzop 0.90",
				       version);
	if (method < 1 || method > 3)
		return decompress_fail(-EINVAL, err, errlen,
				       "lzo: method %u is not LZO1X", method);
	if (filter)
		return decompress_fail(-EINVAL, err, errlen,
				       "lzo: lzop filter %u is not supported",
				       filter);
	return 0;
}

static int lzop_block(struct lzop_in *in, uint32_t flags, uint32_t dlen,
		      struct decompress_out *o, char *err, size_t errlen)
{
	size_t at = in->pos - 4;
	uint32_t clen = lzop_be(in, 4);
	uint32_t dflags = flags & (LZOP_F_ADLER32_D | LZOP_F_CRC32_D);
	uint32_t cflags = flags & (LZOP_F_ADLER32_C | LZOP_F_CRC32_C);
	struct lzop_in sums;
	const uint8_t *data;
	lzo_uint n = dlen;
	int rc, r;

	if (dlen > LZOP_MAX_BLOCK)
		return decompress_fail(-EINVAL, err, errlen,
				       "lzo: block at byte %zu claims %u "
				       "bytes, above lzop's 64 MiB",
				       at, dlen);
	if (!in->cut && (clen == 0 || clen > dlen))
		return decompress_fail(-EINVAL, err, errlen,
				       "lzo: block at byte %zu: %u bytes "
				       "cannot hold %u",
				       at, clen, dlen);
	/* The checksums come before the data: skip them, read them later. */
	sums = *in;
	lzop_take(in, 4 * (size_t)__builtin_popcount(dflags));
	if (clen < dlen)
		lzop_take(in, 4 * (size_t)__builtin_popcount(cflags));
	data = lzop_take(in, clen);
	if (in->cut)
		return 0;
	if (clen < dlen) {
		struct lzop_in c = sums;

		lzop_take(&c, 4 * (size_t)__builtin_popcount(dflags));
		rc = lzop_check(&c, flags, LZOP_F_ADLER32_C, LZOP_F_CRC32_C,
				data, clen, "compressed block", at, err,
				errlen);
		if (rc)
			return rc;
	}
	if (o->len > o->max || dlen > o->max - o->len)
		return decompress_out_fail(o, -EFBIG, "lzo", err, errlen);
	rc = decompress_out_reserve(o, dlen);
	if (rc)
		return decompress_out_fail(o, rc, "lzo", err, errlen);
	if (clen == dlen) {
		memcpy(o->buf + o->len, data, dlen);
	} else {
		/* liblzo2 takes non-const pointers but only reads src. */
		r = lzo1x_decompress_safe((lzo_bytep)(uintptr_t)data, clen,
					  o->buf + o->len, &n, NULL);
		if (r != LZO_E_OK || n != dlen)
			return decompress_fail(-EINVAL, err, errlen,
					       "lzo: corrupt block at byte %zu "
					       "(liblzo2 error %d)",
					       at, r);
	}
	rc = lzop_check(&sums, flags, LZOP_F_ADLER32_D, LZOP_F_CRC32_D,
			o->buf + o->len, dlen, "block", at, err, errlen);
	if (rc)
		return rc;
	o->len += dlen;
	return 0;
}

int decompress_lzo(const uint8_t *src, size_t len, struct decompress_out *o,
		   size_t *used, char *err, size_t errlen)
{
	struct lzop_in in = { .p = src, .len = len };
	uint32_t flags = 0, dlen;
	int rc;

	*used = 0;
	if (len < sizeof(lzop_magic) ||
	    memcmp(src, lzop_magic, sizeof(lzop_magic)))
		return decompress_fail(-EINVAL, err, errlen,
				       "lzo: not an lzop file");
	if (lzo_init() != LZO_E_OK)
		return decompress_fail(-EINVAL, err, errlen,
				       "lzo: liblzo2 failed to initialise");
	rc = lzop_header(&in, &flags, err, errlen);
	while (!rc && !in.cut) {
		dlen = lzop_be(&in, 4);
		if (in.cut || dlen == 0)
			break; /* 0: the end of the file */
		rc = lzop_block(&in, flags, dlen, o, err, errlen);
	}
	if (!rc && in.cut)
		rc = decompress_fail(-EINVAL, err, errlen,
				     "lzo: truncated: the file does not end "
				     "within its %zu bytes",
				     len);
	*used = in.pos;
	return rc;
}
