/*
 * decompress_stream.c: the formats whose library decodes a whole stream
 * and finds its end: gzip (zlib), xz and .lzma (liblzma), bzip2 (libbz2),
 * zstd (libzstd).  See decompress.h.
 *
 * Each decoder stops at the end of its stream and says how much input it
 * took; what follows is the caller's.  The libraries check the formats'
 * own checksums: gzip's CRC-32 and length (RFC 1952 section 2.3), xz's
 * integrity check, bzip2's block and stream CRCs, zstd's content checksum
 * when the frame has one.  The .lzma format has none.
 *
 * Memory: zlib and libbz2 use a fixed amount (bzip2 at most about 4 MiB),
 * liblzma is given a limit (decompress_lzma_memlimit()), and libzstd a
 * window limit of 2^27 bytes, its default, which covers zstd -22 --ultra,
 * the most Linux's build asks for.
 */
#include "boot/decompress.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define ZLIB_CONST
#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define MIB ((uint64_t)1 << 20)

/* libzstd's default limit, made explicit: 128 MiB, zstd -22 --ultra. */
#define DECOMPRESS_ZSTD_WINDOWLOG 27

/* The next chunk of input for libraries that count in unsigned int. */
static unsigned int decompress_chunk(size_t *left)
{
	unsigned int n = *left > UINT_MAX ? UINT_MAX : (unsigned int)*left;

	*left -= n;
	return n;
}

static unsigned int decompress_room(const struct decompress_out *o)
{
	size_t room = o->cap - o->len;

	return room > UINT_MAX ? UINT_MAX : (unsigned int)room;
}

static int decompress_truncated(const char *fmt, size_t len, char *err,
				size_t errlen)
{
	return decompress_fail(-EINVAL, err, errlen,
			       "%s: truncated: the stream does not end within "
			       "its %zu bytes",
			       fmt, len);
}

/* gzip ------------------------------------------------------------------- */

int decompress_gzip(const uint8_t *src, size_t len, struct decompress_out *o,
		    size_t *used, char *err, size_t errlen)
{
	z_stream zs;
	size_t left = len;
	unsigned int room;
	int zr, rc = 0;

	if (len >= 2 && src[0] == 0x1f && src[1] == 0x9e)
		return decompress_fail(-EINVAL, err, errlen,
				       "gzip: old-style gzip (magic 1f 9e) is "
				       "not supported");
	memset(&zs, 0, sizeof(zs));
	zr = inflateInit2(&zs, 16 + MAX_WBITS); /* gzip wrapper only */
	if (zr != Z_OK)
		return decompress_out_fail(o, -ENOMEM, "gzip", err, errlen);
	zs.next_in = src;
	for (;;) {
		if (zs.avail_in == 0)
			zs.avail_in = decompress_chunk(&left);
		if (o->cap == o->len) {
			rc = decompress_out_reserve(o, 1);
			if (rc) {
				rc = decompress_out_fail(o, rc, "gzip", err,
							 errlen);
				break;
			}
		}
		room = decompress_room(o);
		zs.next_out = o->buf + o->len;
		zs.avail_out = room;
		zr = inflate(&zs, Z_NO_FLUSH);
		o->len += room - zs.avail_out;
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_OK && (zs.avail_in || left || !zs.avail_out))
			continue;
		if (zr == Z_OK || zr == Z_BUF_ERROR) {
			rc = decompress_truncated("gzip", len, err, errlen);
		} else if (zr == Z_MEM_ERROR) {
			rc = decompress_out_fail(o, -ENOMEM, "gzip", err,
						 errlen);
		} else {
			rc = decompress_fail(-EINVAL, err, errlen,
					     "gzip: corrupt data near byte "
					     "%zu: %s",
					     len - left - zs.avail_in,
					     zs.msg ? zs.msg : "zlib error");
		}
		break;
	}
	*used = len - left - zs.avail_in;
	inflateEnd(&zs);
	return rc;
}

/* xz and lzma ------------------------------------------------------------ */

/*
 * liblzma's memory limit: what the output limit allows a dictionary (an
 * encoder has no reason to use a bigger one), at least the 64 MiB of xz -9
 * and lzma -9, at most 1 GiB, plus room for the decoder's own state.
 */
static uint64_t decompress_lzma_memlimit(const struct decompress_out *o)
{
	uint64_t dict = o->max;

	if (dict < 64 * MIB)
		dict = 64 * MIB;
	if (dict > 1024 * MIB)
		dict = 1024 * MIB;
	return dict + 16 * MIB;
}

static int decompress_liblzma(lzma_stream *s, const char *fmt,
			      const uint8_t *src, size_t len,
			      struct decompress_out *o, size_t *used, char *err,
			      size_t errlen)
{
	lzma_ret r;
	int rc = 0;

	s->next_in = src;
	s->avail_in = len;
	for (;;) {
		if (o->cap == o->len) {
			rc = decompress_out_reserve(o, 1);
			if (rc) {
				rc = decompress_out_fail(o, rc, fmt, err,
							 errlen);
				break;
			}
		}
		s->next_out = o->buf + o->len;
		s->avail_out = o->cap - o->len;
		r = lzma_code(s, LZMA_FINISH);
		o->len = o->cap - s->avail_out;
		if (r == LZMA_OK)
			continue;
		switch (r) {
		case LZMA_STREAM_END:
			break;
		case LZMA_BUF_ERROR:
			rc = decompress_truncated(fmt, len, err, errlen);
			break;
		case LZMA_MEM_ERROR:
			rc = decompress_out_fail(o, -ENOMEM, fmt, err, errlen);
			break;
		case LZMA_MEMLIMIT_ERROR:
			rc = decompress_fail(-EFBIG, err, errlen,
					     "%s: decoding needs %" PRIu64
					     " MiB of memory, more than the "
					     "%" PRIu64 " MiB allowed",
					     fmt, lzma_memusage(s) / MIB,
					     lzma_memlimit_get(s) / MIB);
			break;
		case LZMA_FORMAT_ERROR:
			rc = decompress_fail(-EINVAL, err, errlen,
					     "%s: not in the %s format", fmt,
					     fmt);
			break;
		case LZMA_OPTIONS_ERROR:
			rc = decompress_fail(-EINVAL, err, errlen,
					     "%s: unsupported or corrupt "
					     "header options",
					     fmt);
			break;
		case LZMA_DATA_ERROR:
			rc = decompress_fail(-EINVAL, err, errlen,
					     "%s: corrupt data near byte %zu",
					     fmt, len - s->avail_in);
			break;
		default:
			rc = decompress_fail(-EINVAL, err, errlen,
					     "%s: liblzma error %d", fmt,
					     (int)r);
			break;
		}
		break;
	}
	*used = len - s->avail_in;
	lzma_end(s);
	return rc;
}

int decompress_xz(const uint8_t *src, size_t len, struct decompress_out *o,
		  size_t *used, char *err, size_t errlen)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;

	/* No LZMA_CONCATENATED: stop after one stream, as Linux does. */
	r = lzma_stream_decoder(&s, decompress_lzma_memlimit(o), 0);
	if (r != LZMA_OK)
		return decompress_out_fail(o, -ENOMEM, "xz", err, errlen);
	return decompress_liblzma(&s, "xz", src, len, o, used, err, errlen);
}

int decompress_lzma(const uint8_t *src, size_t len, struct decompress_out *o,
		    size_t *used, char *err, size_t errlen)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;

	/*
	 * The 13-byte header: properties, dictionary size, then the
	 * uncompressed size, all ones when unknown (the stream then ends
	 * with an end marker); liblzma handles both.
	 */
	r = lzma_alone_decoder(&s, decompress_lzma_memlimit(o));
	if (r != LZMA_OK)
		return decompress_out_fail(o, -ENOMEM, "lzma", err, errlen);
	return decompress_liblzma(&s, "lzma", src, len, o, used, err, errlen);
}

/* bzip2 ------------------------------------------------------------------ */

int decompress_bzip2(const uint8_t *src, size_t len, struct decompress_out *o,
		     size_t *used, char *err, size_t errlen)
{
	bz_stream bs;
	size_t left = len;
	unsigned int room;
	int br, rc = 0;

	memset(&bs, 0, sizeof(bs));
	br = BZ2_bzDecompressInit(&bs, 0, 0);
	if (br != BZ_OK)
		return decompress_out_fail(o, -ENOMEM, "bzip2", err, errlen);
	/* libbz2 takes a char *, but only reads the input. */
	bs.next_in = (char *)(uintptr_t)src;
	for (;;) {
		if (bs.avail_in == 0)
			bs.avail_in = decompress_chunk(&left);
		if (o->cap == o->len) {
			rc = decompress_out_reserve(o, 1);
			if (rc) {
				rc = decompress_out_fail(o, rc, "bzip2", err,
							 errlen);
				break;
			}
		}
		room = decompress_room(o);
		bs.next_out = (char *)(o->buf + o->len);
		bs.avail_out = room;
		br = BZ2_bzDecompress(&bs);
		o->len += room - bs.avail_out;
		if (br == BZ_STREAM_END)
			break;
		if (br == BZ_OK && (bs.avail_in || left || !bs.avail_out))
			continue;
		if (br == BZ_OK)
			rc = decompress_truncated("bzip2", len, err, errlen);
		else if (br == BZ_MEM_ERROR)
			rc = decompress_out_fail(o, -ENOMEM, "bzip2", err,
						 errlen);
		else if (br == BZ_DATA_ERROR_MAGIC)
			rc = decompress_fail(-EINVAL, err, errlen,
					     "bzip2: bad magic, not bzip2 "
					     "data");
		else
			rc = decompress_fail(-EINVAL, err, errlen,
					     "bzip2: corrupt data near byte "
					     "%zu (libbz2 error %d)",
					     len - left - bs.avail_in, br);
		break;
	}
	*used = len - left - bs.avail_in;
	BZ2_bzDecompressEnd(&bs);
	return rc;
}

/* zstd ------------------------------------------------------------------- */

static uint32_t decompress_le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static bool decompress_zstd_frame(const uint8_t *p, size_t len)
{
	uint32_t magic;

	if (len < 4)
		return false;
	magic = decompress_le32(p);
	return magic == ZSTD_MAGICNUMBER ||
	       (magic & ZSTD_MAGIC_SKIPPABLE_MASK) ==
		       ZSTD_MAGIC_SKIPPABLE_START;
}

static int decompress_zstd_error(ZSTD_ErrorCode code, const char *why,
				 size_t at, char *err, size_t errlen)
{
	switch (code) {
	case ZSTD_error_srcSize_wrong:
		return decompress_fail(-EINVAL, err, errlen,
				       "zstd: truncated: the frame at byte %zu "
				       "does not end",
				       at);
	case ZSTD_error_frameParameter_windowTooLarge:
		return decompress_fail(-EFBIG, err, errlen,
				       "zstd: the frame at byte %zu needs a "
				       "window above %u MiB",
				       at,
				       1u << (DECOMPRESS_ZSTD_WINDOWLOG - 20));
	case ZSTD_error_memory_allocation:
		return decompress_fail(-ENOMEM, err, errlen,
				       "zstd: out of memory");
	default:
		return decompress_fail(-EINVAL, err, errlen,
				       "zstd: corrupt frame at byte %zu: %s",
				       at, why);
	}
}

/*
 * Frame by frame: ZSTD_findFrameCompressedSize() walks a frame's block
 * headers to its end, so the decoder never sees data beyond it.
 */
int decompress_zstd(const uint8_t *src, size_t len, struct decompress_out *o,
		    size_t *used, char *err, size_t errlen)
{
	ZSTD_DCtx *dctx;
	size_t pos = 0, r;
	int rc = 0;

	if (!decompress_zstd_frame(src, len))
		return decompress_fail(-EINVAL, err, errlen,
				       "zstd: no zstd frame magic");
	dctx = ZSTD_createDCtx();
	if (!dctx)
		return decompress_out_fail(o, -ENOMEM, "zstd", err, errlen);
	r = ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax,
				   DECOMPRESS_ZSTD_WINDOWLOG);
	if (ZSTD_isError(r))
		rc = decompress_zstd_error(ZSTD_getErrorCode(r),
					   ZSTD_getErrorName(r), 0, err,
					   errlen);
	while (!rc && decompress_zstd_frame(src + pos, len - pos)) {
		size_t fsize =
			ZSTD_findFrameCompressedSize(src + pos, len - pos);
		ZSTD_inBuffer in;

		if (ZSTD_isError(fsize)) {
			rc = decompress_zstd_error(ZSTD_getErrorCode(fsize),
						   ZSTD_getErrorName(fsize),
						   pos, err, errlen);
			break;
		}
		ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
		in = (ZSTD_inBuffer){ src + pos, fsize, 0 };
		for (;;) {
			ZSTD_outBuffer out;

			if (o->cap == o->len) {
				rc = decompress_out_reserve(o, 1);
				if (rc) {
					rc = decompress_out_fail(o, rc, "zstd",
								 err, errlen);
					break;
				}
			}
			out = (ZSTD_outBuffer){ o->buf, o->cap, o->len };
			r = ZSTD_decompressStream(dctx, &out, &in);
			o->len = out.pos;
			if (ZSTD_isError(r)) {
				rc = decompress_zstd_error(ZSTD_getErrorCode(r),
							   ZSTD_getErrorName(r),
							   pos, err, errlen);
				break;
			}
			if (r == 0)
				break; /* the frame is decoded and flushed */
			if (in.pos == in.size && out.pos < out.size) {
				rc = decompress_zstd_error(
					ZSTD_error_srcSize_wrong, NULL, pos,
					err, errlen);
				break;
			}
		}
		pos += fsize;
	}
	*used = pos;
	ZSTD_freeDCtx(dctx);
	return rc;
}
