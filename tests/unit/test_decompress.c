/*
 * test_decompress.c: host-side decompression (boot/decompress*.c).  Every
 * format is compressed here with its own library's compressor (the LZ4
 * legacy frame and the lzop file framed by hand around liblz4 and liblzo2
 * blocks) and decoded back: format detection, round trip, data after the
 * stream, truncation, corruption, the output limit, initramfs images made
 * of several members, and garbage that must never crash a decoder.  The
 * command-line compressors are tried too, each skipped with a note when it
 * is not installed.  No KVM needed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <zlib.h>
#include <zstd.h>

#include "boot/decompress.h"

#define DATA_LEN     (1024 * 1024 + 1234)
#define NOLIMIT	     ((size_t)64 << 20)
#define LZ4_MAGIC_LE "\x02\x21\x4c\x18"

#define LZOP_F_ADLER32_D     0x00000001u
#define LZOP_F_ADLER32_C     0x00000002u
#define LZOP_F_H_EXTRA_FIELD 0x00000040u
#define LZOP_F_CRC32_D	     0x00000100u
#define LZOP_F_CRC32_C	     0x00000200u
#define LZOP_F_H_FILTER	     0x00000800u
#define LZOP_F_H_CRC32	     0x00001000u

static const enum decompress_format all_formats[] = {
	DECOMPRESS_GZIP, DECOMPRESS_XZ,	  DECOMPRESS_LZMA, DECOMPRESS_BZIP2,
	DECOMPRESS_LZ4,	 DECOMPRESS_ZSTD, DECOMPRESS_LZO,
};
#define NFORMATS (sizeof(all_formats) / sizeof(all_formats[0]))

/* A growable byte buffer ------------------------------------------------- */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *src, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (n)
		memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void put_zeros(struct buf *b, size_t n)
{
	static const uint8_t z[64];

	while (n) {
		size_t k = n < sizeof(z) ? n : sizeof(z);

		put(b, z, k);
		n -= k;
	}
}

static void put_str(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_be(struct buf *b, uint32_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--) {
		uint8_t c = (uint8_t)(v >> (8 * i));

		put(b, &c, 1);
	}
}

static void put_le32(struct buf *b, uint32_t v)
{
	uint8_t c[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	put(b, c, 4);
}

static void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Test data -------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/*
 * Text that compresses well, with one incompressible 256 KiB stretch (an
 * lzop block stored as is).
 */
static uint8_t *make_data(size_t len)
{
	uint8_t *d = malloc(len ? len : 1);
	size_t i = 0;
	unsigned int line = 0;

	assert_non_null(d);
	while (i < len) {
		char s[80];
		int n;

		if (i >= (256 << 10) && i < (512 << 10)) {
			d[i++] = (uint8_t)rnd();
			continue;
		}
		n = snprintf(s, sizeof(s), "line %u: the quick brown fox %u\n",
			     line, line * 7919 % 1000);
		line++;
		for (int k = 0; k < n && i < len; k++)
			d[i++] = (uint8_t)s[k];
	}
	return d;
}

/* Compressors ------------------------------------------------------------ */

static struct buf comp_gzip(const uint8_t *in, size_t n)
{
	struct buf b = { 0 };
	z_stream zs = { 0 };

	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
				      Z_DEFAULT_STRATEGY),
			 Z_OK);
	b.cap = deflateBound(&zs, n) + 64;
	b.p = malloc(b.cap);
	assert_non_null(b.p);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = b.p;
	zs.avail_out = (uInt)b.cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	b.len = zs.total_out;
	deflateEnd(&zs);
	return b;
}

/* Run an initialised liblzma encoder over in. */
static struct buf comp_liblzma(lzma_stream *s, const uint8_t *in, size_t n)
{
	struct buf b = { 0 };
	lzma_ret r;

	b.cap = n + n / 2 + 4096;
	b.p = malloc(b.cap);
	assert_non_null(b.p);
	s->next_in = in;
	s->avail_in = n;
	s->next_out = b.p;
	s->avail_out = b.cap;
	do
		r = lzma_code(s, LZMA_FINISH);
	while (r == LZMA_OK);
	assert_int_equal(r, LZMA_STREAM_END);
	b.len = b.cap - s->avail_out;
	lzma_end(s);
	return b;
}

static struct buf comp_xz(const uint8_t *in, size_t n)
{
	lzma_stream s = LZMA_STREAM_INIT;

	assert_int_equal(lzma_easy_encoder(&s, 6, LZMA_CHECK_CRC64), LZMA_OK);
	return comp_liblzma(&s, in, n);
}

/* .lzma: lzma_alone_encoder writes an unknown size and an end marker. */
static struct buf comp_lzma(const uint8_t *in, size_t n)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_options_lzma opt;

	assert_false(lzma_lzma_preset(&opt, 6));
	assert_int_equal(lzma_alone_encoder(&s, &opt), LZMA_OK);
	return comp_liblzma(&s, in, n);
}

static struct buf comp_bzip2(const uint8_t *in, size_t n)
{
	struct buf b = { 0 };
	unsigned int len;

	b.cap = n + n / 50 + 1024;
	b.p = malloc(b.cap);
	assert_non_null(b.p);
	len = (unsigned int)b.cap;
	assert_int_equal(BZ2_bzBuffToBuffCompress((char *)b.p, &len,
						  (char *)(uintptr_t)in,
						  (unsigned int)n, 9, 0, 30),
			 BZ_OK);
	b.len = len;
	return b;
}

/* Legacy frame: blocks of block bytes, a new frame every frame_every. */
static struct buf comp_lz4(const uint8_t *in, size_t n, size_t block,
			   size_t frame_every)
{
	struct buf b = { 0 };
	char *tmp = malloc((size_t)LZ4_compressBound((int)block));

	assert_non_null(tmp);
	put(&b, LZ4_MAGIC_LE, 4);
	for (size_t off = 0; off < n; off += block) {
		int k = (int)(n - off < block ? n - off : block);
		int c = LZ4_compress_default((const char *)in + off, tmp, k,
					     LZ4_compressBound(k));

		assert_true(c > 0);
		if (off && frame_every && off % frame_every == 0)
			put(&b, LZ4_MAGIC_LE, 4);
		put_le32(&b, (uint32_t)c);
		put(&b, tmp, (size_t)c);
	}
	free(tmp);
	return b;
}

static struct buf comp_zstd(const uint8_t *in, size_t n, int checksum)
{
	struct buf b = { 0 };
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t r;

	assert_non_null(c);
	b.cap = ZSTD_compressBound(n);
	b.p = malloc(b.cap);
	assert_non_null(b.p);
	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, checksum);
	r = ZSTD_compress2(c, b.p, b.cap, in, n);
	assert_false(ZSTD_isError(r));
	b.len = r;
	ZSTD_freeCCtx(c);
	return b;
}

struct lzop_opts {
	uint16_t version;
	uint8_t method;
	uint32_t flags, filter;
	const char *name;
	size_t block;
	const char *extra; /* with LZOP_F_H_EXTRA_FIELD */
};

static const struct lzop_opts lzop_default = {
	.version = 0x1030,
	.method = 1,
	.flags = LZOP_F_ADLER32_D,
	.name = "vmlinux.bin",
	.block = 256 << 10,
};

static uint32_t lzop_sum(uint32_t flags, const uint8_t *p, size_t n)
{
	return flags & LZOP_F_H_CRC32 ? (uint32_t)crc32_z(0, p, n)
				      : (uint32_t)adler32_z(1, p, n);
}

/* An lzop file as lzop writes one (lzop 1.04's layout, see decompress.h). */
static struct buf comp_lzo(const uint8_t *in, size_t n,
			   const struct lzop_opts *o)
{
	struct buf b = { 0 };
	uint8_t *wrk = malloc(LZO1X_1_MEM_COMPRESS);
	uint8_t *tmp = malloc(o->block + o->block / 16 + 64 + 3);
	size_t start;

	assert_non_null(wrk);
	assert_non_null(tmp);
	assert_int_equal(lzo_init(), LZO_E_OK);
	put(&b, "\x89LZO\0\r\n\x1a\n", 9);
	start = b.len;
	put_be(&b, o->version, 2);
	put_be(&b, 0x20a0, 2); /* the library's version */
	if (o->version >= 0x0940)
		put_be(&b, 0x0940, 2);
	put_be(&b, o->method, 1);
	if (o->version >= 0x0940)
		put_be(&b, 9, 1);
	put_be(&b, o->flags, 4);
	if (o->flags & LZOP_F_H_FILTER)
		put_be(&b, o->filter, 4);
	put_be(&b, 0100644, 4);
	put_be(&b, 0x5f000000, 4);
	if (o->version >= 0x0940)
		put_be(&b, 0, 4);
	put_be(&b, (uint32_t)strlen(o->name), 1);
	put_str(&b, o->name);
	put_be(&b, lzop_sum(o->flags, b.p + start, b.len - start), 4);
	if (o->flags & LZOP_F_H_EXTRA_FIELD) {
		start = b.len;
		put_be(&b, (uint32_t)strlen(o->extra), 4);
		put_str(&b, o->extra);
		put_be(&b, lzop_sum(o->flags, b.p + start, b.len - start), 4);
	}
	for (size_t off = 0; off < n; off += o->block) {
		size_t k = n - off < o->block ? n - off : o->block;
		const uint8_t *raw = in + off, *data = tmp;
		lzo_uint c = 0;

		assert_int_equal(lzo1x_1_compress(raw, k, tmp, &c, wrk),
				 LZO_E_OK);
		if (c >= k) {
			c = k; /* stored */
			data = raw;
		}
		put_be(&b, (uint32_t)k, 4);
		put_be(&b, (uint32_t)c, 4);
		if (o->flags & LZOP_F_ADLER32_D)
			put_be(&b, (uint32_t)adler32_z(1, raw, k), 4);
		if (o->flags & LZOP_F_CRC32_D)
			put_be(&b, (uint32_t)crc32_z(0, raw, k), 4);
		if (c < k && (o->flags & LZOP_F_ADLER32_C))
			put_be(&b, (uint32_t)adler32_z(1, data, c), 4);
		if (c < k && (o->flags & LZOP_F_CRC32_C))
			put_be(&b, (uint32_t)crc32_z(0, data, c), 4);
		put(&b, data, c);
	}
	put_be(&b, 0, 4);
	free(tmp);
	free(wrk);
	return b;
}

static struct buf compress_fmt(enum decompress_format f, const uint8_t *in,
			       size_t n)
{
	switch (f) {
	case DECOMPRESS_GZIP:
		return comp_gzip(in, n);
	case DECOMPRESS_XZ:
		return comp_xz(in, n);
	case DECOMPRESS_LZMA:
		return comp_lzma(in, n);
	case DECOMPRESS_BZIP2:
		return comp_bzip2(in, n);
	case DECOMPRESS_LZ4:
		return comp_lz4(in, n, 256 << 10, 0);
	case DECOMPRESS_ZSTD:
		return comp_zstd(in, n, 1);
	case DECOMPRESS_LZO:
		return comp_lzo(in, n, &lzop_default);
	default:
		fail_msg("no compressor for format %d", f);
	}
	return (struct buf){ 0 };
}

/* Checks ----------------------------------------------------------------- */

static void assert_contains(const char *s, const char *sub)
{
	if (!strstr(s, sub))
		fail_msg("\"%s\" does not contain \"%s\"", s, sub);
}

/* Decompress and expect exactly want[0, want_len). */
static void expect_data(enum decompress_format f, const void *src, size_t len,
			size_t max_out, const void *want, size_t want_len)
{
	char err[256] = "";
	void *out = NULL;
	size_t out_len = 0;
	int rc = decompress(f, src, len, max_out, &out, &out_len, err,
			    sizeof(err));

	if (rc)
		fail_msg("%s: rc %d: %s", decompress_format_name(f), rc, err);
	assert_non_null(out);
	assert_int_equal(out_len, want_len);
	if (want_len)
		assert_memory_equal(out, want, want_len);
	free(out);
}

/* Decompress and expect rc, err starting with the format's name. */
static void expect_error(enum decompress_format f, const void *src, size_t len,
			 size_t max_out, int want_rc, const char *want_err)
{
	char err[256] = "";
	void *out = (void *)1;
	size_t out_len = 1;
	int rc = decompress(f, src, len, max_out, &out, &out_len, err,
			    sizeof(err));

	if (rc != want_rc)
		fail_msg("%s (%zu bytes): rc %d, want %d: %s",
			 decompress_format_name(f), len, rc, want_rc, err);
	assert_null(out);
	assert_int_equal(out_len, 0);
	assert_true(strncmp(err, decompress_format_name(f),
			    strlen(decompress_format_name(f))) == 0 ||
		    want_rc == -ENOTSUP);
	if (want_err)
		assert_contains(err, want_err);
}

/* Detection -------------------------------------------------------------- */

static void test_detect(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		enum decompress_format f;
	} cases[] = {
		{ "\x1f\x8b\x08\0", 4, DECOMPRESS_GZIP },
		{ "\x1f\x9e", 2, DECOMPRESS_GZIP },
		{ "\xfd"
		  "7zXZ\0\0\x01",
		  8, DECOMPRESS_XZ },
		{ "\xfd"
		  "7zXZ",
		  5, DECOMPRESS_NONE }, /* too short */
		{ "\x5d\0\0\x80\0", 5, DECOMPRESS_LZMA },
		{ "\x5d\0", 2, DECOMPRESS_NONE },
		{ "BZh91AY&SY", 10, DECOMPRESS_BZIP2 },
		{ "\x89LZO\0\r\n\x1a\n\x10", 10, DECOMPRESS_LZO },
		{ "\x89LZO\0\r\n\x1a", 8, DECOMPRESS_NONE },
		{ LZ4_MAGIC_LE "\x10\0\0\0", 8, DECOMPRESS_LZ4 },
		{ "\x28\xb5\x2f\xfd\x04", 5, DECOMPRESS_ZSTD },
		{ "\x04\x22\x4d\x18\x64", 5, DECOMPRESS_UNKNOWN },
		{ "\x1f\x9d\x90", 3, DECOMPRESS_UNKNOWN },
		{ "\x7f"
		  "ELF\x02\x01\x01",
		  7, DECOMPRESS_NONE },
		{ "07070100000001", 14, DECOMPRESS_NONE },
		{ "07070200000001", 14, DECOMPRESS_NONE },
		{ "\x1f", 1, DECOMPRESS_NONE },
		{ "", 0, DECOMPRESS_NONE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (decompress_detect(cases[i].bytes, cases[i].len) !=
		    cases[i].f)
			fail_msg("case %zu: detected %s, want %s", i,
				 decompress_format_name(decompress_detect(
					 cases[i].bytes, cases[i].len)),
				 decompress_format_name(cases[i].f));
	}
	assert_int_equal(decompress_detect(NULL, 0), DECOMPRESS_NONE);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(decompress_format_name(DECOMPRESS_NONE), "none");
	assert_string_equal(decompress_format_name(DECOMPRESS_GZIP), "gzip");
	assert_string_equal(decompress_format_name(DECOMPRESS_XZ), "xz");
	assert_string_equal(decompress_format_name(DECOMPRESS_LZMA), "lzma");
	assert_string_equal(decompress_format_name(DECOMPRESS_BZIP2), "bzip2");
	assert_string_equal(decompress_format_name(DECOMPRESS_LZ4), "lz4");
	assert_string_equal(decompress_format_name(DECOMPRESS_ZSTD), "zstd");
	assert_string_equal(decompress_format_name(DECOMPRESS_LZO), "lzo");
	assert_string_equal(decompress_format_name(DECOMPRESS_UNKNOWN),
			    "unknown");
	assert_string_equal(decompress_format_name((enum decompress_format)42),
			    "unknown");
}

static void test_not_supported(void **state)
{
	static const uint8_t lz4f[] = { 0x04, 0x22, 0x4d, 0x18, 0x64, 0x40 };

	(void)state;
	expect_error(DECOMPRESS_NONE, "abcd", 4, NOLIMIT, -ENOTSUP, "none");
	expect_error(DECOMPRESS_UNKNOWN, lz4f, sizeof(lz4f), NOLIMIT, -ENOTSUP,
		     "lz4 -l");
	expect_error((enum decompress_format)42, "abcd", 4, NOLIMIT, -ENOTSUP,
		     "unknown");
	expect_error((enum decompress_format) - 1, "abcd", 4, NOLIMIT, -ENOTSUP,
		     NULL);
}

/* Round trips ------------------------------------------------------------ */

/* Each format: detected, decoded, and held to max_out to the byte. */
static void test_round_trip(void **state)
{
	uint8_t *data = make_data(DATA_LEN);

	(void)state;
	for (size_t i = 0; i < NFORMATS; i++) {
		enum decompress_format f = all_formats[i];
		struct buf c = compress_fmt(f, data, DATA_LEN);

		assert_int_equal(decompress_detect(c.p, c.len), f);
		expect_data(f, c.p, c.len, NOLIMIT, data, DATA_LEN);
		expect_data(f, c.p, c.len, DATA_LEN, data, DATA_LEN);
		expect_data(f, c.p, c.len, SIZE_MAX, data, DATA_LEN);
		expect_error(f, c.p, c.len, DATA_LEN - 1, -EFBIG,
			     "decompresses to more than 1049809 bytes");
		expect_error(f, c.p, c.len, 1000, -EFBIG, "more than 1000");
		expect_error(f, c.p, c.len, 0, -EFBIG, "more than 0");
		buf_free(&c);
	}
	free(data);
}

/* Empty input compresses to a stream that decodes to nothing. */
static void test_empty(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFORMATS; i++) {
		enum decompress_format f = all_formats[i];
		struct buf c = compress_fmt(f, (const uint8_t *)"", 0);

		expect_data(f, c.p, c.len, NOLIMIT, "", 0);
		expect_data(f, c.p, c.len, 0, "", 0);
		buf_free(&c);
		expect_error(f, "", 0, NOLIMIT, -EINVAL, NULL);
	}
}

/*
 * Data after the stream is not the stream's: Linux's 4-byte size word, and
 * bytes that are no block of any format.
 */
static void test_trailing(void **state)
{
	uint8_t *data = make_data(DATA_LEN);

	(void)state;
	for (size_t i = 0; i < NFORMATS; i++) {
		enum decompress_format f = all_formats[i];
		struct buf c = compress_fmt(f, data, DATA_LEN);
		size_t len = c.len;

		put_le32(&c, DATA_LEN); /* Linux's size_append */
		expect_data(f, c.p, c.len, NOLIMIT, data, DATA_LEN);
		c.len = len;
		put_str(&c, "\xde\xad\xbe\xef and some trailing garbage");
		for (int k = 0; k < 100; k++) {
			uint8_t r = (uint8_t)rnd();

			put(&c, &r, 1);
		}
		expect_data(f, c.p, c.len, NOLIMIT, data, DATA_LEN);
		c.len = len;
		put_zeros(&c, 512);
		expect_data(f, c.p, c.len, NOLIMIT, data, DATA_LEN);
		buf_free(&c);
	}
	free(data);
}

/*
 * Where an LZ4 legacy stream can be cut and be seen to be cut: inside a
 * block.  (At a block boundary it just ends: the format has no end marker.)
 */
static size_t lz4_cuts(const struct buf *c, size_t *cuts, size_t max)
{
	size_t n = 0, pos = 4;

	while (pos + 4 <= c->len && n + 2 <= max) {
		uint32_t size = c->p[pos] | (uint32_t)c->p[pos + 1] << 8 |
				(uint32_t)c->p[pos + 2] << 16 |
				(uint32_t)c->p[pos + 3] << 24;

		if (!memcmp(c->p + pos, LZ4_MAGIC_LE, 4)) {
			pos += 4;
			continue;
		}
		cuts[n++] = pos + 4 + 1;
		cuts[n++] = pos + 4 + size - 1;
		pos += 4 + size;
	}
	return n;
}

static void test_truncated(void **state)
{
	uint8_t *data = make_data(DATA_LEN);

	(void)state;
	for (size_t i = 0; i < NFORMATS; i++) {
		enum decompress_format f = all_formats[i];
		struct buf c = compress_fmt(f, data, DATA_LEN);
		size_t cuts[32] = { 1,	       2,	  3,	    5,
				    9,	       13,	  20,	    c.len / 3,
				    c.len / 2, c.len - 5, c.len - 1 };
		size_t n = 11;

		if (f == DECOMPRESS_LZ4)
			n = 3 + lz4_cuts(&c, cuts + 3, 29);
		for (size_t k = 0; k < n; k++)
			expect_error(f, c.p, cuts[k], NOLIMIT, -EINVAL, NULL);
		buf_free(&c);
	}
	free(data);
}

static void flip(struct buf *c, size_t at, uint8_t x)
{
	assert_true(at < c->len);
	c->p[at] ^= x;
}

/* One corrupted byte: a checksum, a header check or the decoder says. */
static void test_corrupt(void **state)
{
	uint8_t *data = make_data(DATA_LEN);
	struct lzop_opts lo = lzop_default;
	struct buf c;

	(void)state;
	for (size_t i = 0; i < NFORMATS; i++) {
		enum decompress_format f = all_formats[i];

		if (f == DECOMPRESS_LZMA || f == DECOMPRESS_LZ4)
			continue; /* no checksum: below */
		c = compress_fmt(f, data, DATA_LEN);
		for (size_t at = c.len / 8; at < c.len; at += c.len / 8) {
			flip(&c, at, 0x10);
			expect_error(f, c.p, c.len, NOLIMIT, -EINVAL, NULL);
			flip(&c, at, 0x10);
		}
		/* The check, or lzo's end; never bzip2's padding bits. */
		flip(&c, c.len - 1, 0x80);
		expect_error(f, c.p, c.len, NOLIMIT, -EINVAL, NULL);
		buf_free(&c);
	}

	c = comp_gzip(data, DATA_LEN);
	flip(&c, c.len - 8, 0x01);
	expect_error(DECOMPRESS_GZIP, c.p, c.len, NOLIMIT, -EINVAL,
		     "incorrect data check");
	flip(&c, c.len - 8, 0x01);
	flip(&c, c.len - 4, 0x01);
	expect_error(DECOMPRESS_GZIP, c.p, c.len, NOLIMIT, -EINVAL,
		     "incorrect length check");
	c.p[1] = 0x9e;
	expect_error(DECOMPRESS_GZIP, c.p, c.len, NOLIMIT, -EINVAL, "1f 9e");
	buf_free(&c);

	c = comp_bzip2(data, DATA_LEN);
	c.p[3] = '0';
	expect_error(DECOMPRESS_BZIP2, c.p, c.len, NOLIMIT, -EINVAL,
		     "bad magic");
	buf_free(&c);

	/* .lzma has no checksum: corrupt properties; then the data. */
	c = comp_lzma(data, DATA_LEN);
	c.p[0] = 0xe1; /* lc + lp * 9 + pb * 45 beyond pb 4 */
	expect_error(DECOMPRESS_LZMA, c.p, c.len, NOLIMIT, -EINVAL, NULL);
	c.p[0] = 0x5d;
	flip(&c, c.len / 2, 0x10);
	expect_error(DECOMPRESS_LZMA, c.p, c.len, NOLIMIT, -EINVAL, NULL);
	buf_free(&c);

	/* LZ4 has none either: a wrong block size, a wrong literal run. */
	c = comp_lz4(data, DATA_LEN, 256 << 10, 0);
	c.p[4]--;
	expect_error(DECOMPRESS_LZ4, c.p, c.len, NOLIMIT, -EINVAL,
		     "corrupt block at byte 4");
	c.p[4]++;
	memset(c.p + 8, 0xff, 16);
	expect_error(DECOMPRESS_LZ4, c.p, c.len, NOLIMIT, -EINVAL,
		     "corrupt block");
	buf_free(&c);

	c = comp_zstd(data, DATA_LEN, 1);
	flip(&c, c.len - 1, 0x80);
	expect_error(DECOMPRESS_ZSTD, c.p, c.len, NOLIMIT, -EINVAL, "checksum");
	buf_free(&c);

	c = comp_lzo(data, DATA_LEN, &lzop_default);
	flip(&c, 20, 0x01); /* the mode */
	expect_error(DECOMPRESS_LZO, c.p, c.len, NOLIMIT, -EINVAL,
		     "header checksum");
	buf_free(&c);
	lo.method = 9;
	c = comp_lzo(data, DATA_LEN, &lo);
	expect_error(DECOMPRESS_LZO, c.p, c.len, NOLIMIT, -EINVAL, "method 9");
	buf_free(&c);
	lo = lzop_default;
	lo.flags |= LZOP_F_H_FILTER;
	lo.filter = 1;
	c = comp_lzo(data, DATA_LEN, &lo);
	expect_error(DECOMPRESS_LZO, c.p, c.len, NOLIMIT, -EINVAL, "filter 1");
	buf_free(&c);
	free(data);
}

/* Format quirks ---------------------------------------------------------- */

/* xz: one stream only; the next, after its padding, is not this one's. */
static void test_xz_one_stream(void **state)
{
	struct buf a = comp_xz((const uint8_t *)"first ", 6);
	struct buf b = comp_xz((const uint8_t *)"second", 6);

	(void)state;
	put_zeros(&a, 4); /* stream padding */
	put(&a, b.p, b.len);
	expect_data(DECOMPRESS_XZ, a.p, a.len, NOLIMIT, "first ", 6);
	buf_free(&a);
	buf_free(&b);
}

/* .lzma with its size in the header, and a dictionary beyond the limit. */
static void test_lzma_header(void **state)
{
	uint8_t *data = make_data(DATA_LEN);
	struct buf c = comp_lzma(data, DATA_LEN);

	(void)state;
	for (int i = 0; i < 8; i++)
		c.p[5 + i] = (uint8_t)((uint64_t)DATA_LEN >> (8 * i));
	expect_data(DECOMPRESS_LZMA, c.p, c.len, NOLIMIT, data, DATA_LEN);
	expect_error(DECOMPRESS_LZMA, c.p, c.len, DATA_LEN - 1, -EFBIG, NULL);
	memset(c.p + 5, 0xff, 8);
	c.p[1] = 0, c.p[2] = 0, c.p[3] = 0, c.p[4] = 0xf0; /* 3.75 GiB */
	expect_error(DECOMPRESS_LZMA, c.p, c.len, NOLIMIT, -EFBIG,
		     "MiB allowed");
	buf_free(&c);
	free(data);
}

/* LZ4: 8 MiB blocks, frames one after another, a block above 8 MiB. */
static void test_lz4_blocks(void **state)
{
	size_t n = (9 << 20) + 77;
	uint8_t *data = make_data(n);
	struct buf c;

	(void)state;
	c = comp_lz4(data, n, 8 << 20, 0);
	expect_data(DECOMPRESS_LZ4, c.p, c.len, NOLIMIT, data, n);
	expect_error(DECOMPRESS_LZ4, c.p, c.len, n - 1, -EFBIG, NULL);
	expect_error(DECOMPRESS_LZ4, c.p, c.len, (8 << 20) - 1, -EFBIG, NULL);
	buf_free(&c);
	c = comp_lz4(data, n, 100 << 10, 1 << 20);
	expect_data(DECOMPRESS_LZ4, c.p, c.len, NOLIMIT, data, n);
	buf_free(&c);
	/* A block that decodes to 8 MiB + 1 is not a legacy block. */
	c = comp_lz4(data, (8 << 20) + 1, (8 << 20) + 1, 0);
	expect_error(DECOMPRESS_LZ4, c.p, c.len, NOLIMIT, -EINVAL,
		     "corrupt block");
	buf_free(&c);
	free(data);
}

/* zstd: frames one after another, a skippable frame among them. */
static void test_zstd_frames(void **state)
{
	struct buf a = comp_zstd((const uint8_t *)"one ", 4, 0);
	struct buf b = comp_zstd((const uint8_t *)"two ", 4, 1);

	(void)state;
	put(&a, b.p, b.len);
	put_le32(&a, 0x184d2a53); /* skippable, 5 bytes */
	put_le32(&a, 5);
	put_str(&a, "skip!");
	put(&a, b.p, b.len);
	put_str(&a, "trailing");
	expect_data(DECOMPRESS_ZSTD, a.p, a.len, NOLIMIT, "one two two ", 12);
	expect_error(DECOMPRESS_ZSTD, a.p, a.len, 11, -EFBIG, NULL);
	buf_free(&a);
	buf_free(&b);
}

/*
 * A zstd frame written as a stream, size unknown, with the window it asks
 * for: 2^27 (zstd -22 --ultra) decodes, 2^28 is refused.
 */
static struct buf comp_zstd_window(const uint8_t *in, size_t n, int wlog)
{
	struct buf b = { 0 };
	ZSTD_CCtx *c = ZSTD_createCCtx();
	ZSTD_inBuffer zi = { in, n, 0 };
	ZSTD_outBuffer zo;
	size_t r;

	assert_non_null(c);
	b.cap = ZSTD_compressBound(n) + 64;
	b.p = malloc(b.cap);
	assert_non_null(b.p);
	zo = (ZSTD_outBuffer){ b.p, b.cap, 0 };
	assert_false(ZSTD_isError(
		ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, wlog)));
	r = ZSTD_compressStream2(c, &zo, &zi, ZSTD_e_continue);
	assert_false(ZSTD_isError(r));
	r = ZSTD_compressStream2(c, &zo, &zi, ZSTD_e_end);
	assert_int_equal(r, 0);
	b.len = zo.pos;
	ZSTD_freeCCtx(c);
	return b;
}

static void test_zstd_window(void **state)
{
	struct buf c;

	(void)state;
	c = comp_zstd_window((const uint8_t *)"window", 6, 27);
	expect_data(DECOMPRESS_ZSTD, c.p, c.len, NOLIMIT, "window", 6);
	buf_free(&c);
	c = comp_zstd_window((const uint8_t *)"window", 6, 28);
	expect_error(DECOMPRESS_ZSTD, c.p, c.len, NOLIMIT, -EFBIG,
		     "window above 128 MiB");
	buf_free(&c);
}

/* lzop: the header's variants, stored blocks, every checksum kind. */
static void test_lzop_variants(void **state)
{
	static const struct lzop_opts variants[] = {
		{ 0x1030, 1, LZOP_F_ADLER32_D, 0, "vmlinux", 256 << 10, NULL },
		{ 0x0930, 1, LZOP_F_ADLER32_D, 0, "old", 256 << 10, NULL },
		{ 0x1040, 3, 0, 0, "", 64 << 10, NULL },
		{ 0x1040, 2,
		  LZOP_F_H_CRC32 | LZOP_F_CRC32_D | LZOP_F_CRC32_C |
			  LZOP_F_ADLER32_D | LZOP_F_ADLER32_C,
		  0, "all-sums", 128 << 10, NULL },
		{ 0x1030, 1, LZOP_F_H_FILTER | LZOP_F_ADLER32_D, 0, "f0",
		  256 << 10, NULL },
		{ 0x1030, 1, LZOP_F_H_EXTRA_FIELD | LZOP_F_ADLER32_C, 0, "x",
		  256 << 10, "extra field bytes" },
		{ 0x1030, 1,
		  LZOP_F_H_EXTRA_FIELD | LZOP_F_H_CRC32 | LZOP_F_CRC32_D, 0,
		  "xc", 512 << 10, "" },
	};
	uint8_t *data = make_data(DATA_LEN);

	(void)state;
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		struct buf c = comp_lzo(data, DATA_LEN, &variants[i]);

		expect_data(DECOMPRESS_LZO, c.p, c.len, NOLIMIT, data,
			    DATA_LEN);
		expect_error(DECOMPRESS_LZO, c.p, c.len - 1, NOLIMIT, -EINVAL,
			     "truncated");
		expect_error(DECOMPRESS_LZO, c.p, c.len, DATA_LEN - 1, -EFBIG,
			     NULL);
		buf_free(&c);
	}
	free(data);
}

/* initramfs -------------------------------------------------------------- */

static void cpio_entry(struct buf *b, const char *name, const void *data,
		       size_t len, unsigned int mode)
{
	static unsigned int ino = 100;
	char hdr[128];
	size_t start = b->len;

	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ino++, mode, 0, 0, 1, 0x5f000000, (unsigned int)len, 0, 0, 0,
		 0, (unsigned int)strlen(name) + 1, 0);
	put(b, hdr, 110);
	put(b, name, strlen(name) + 1);
	put_zeros(b, -(b->len - start) & 3);
	put(b, data, len);
	put_zeros(b, -(b->len - start) & 3);
}

/* A newc archive of a few files whose contents say tag. */
static struct buf cpio_archive(const char *tag)
{
	struct buf b = { 0 };
	char name[64], body[256];

	cpio_entry(&b, "etc", "", 0, 040755);
	for (int i = 0; i < 3; i++) {
		int n = snprintf(body, sizeof(body), "%s file %d%.*s\n", tag, i,
				 i * 7, "xxxxxxxxxxxxxxxxxxxxxx");

		snprintf(name, sizeof(name), "etc/%s-%d", tag, i);
		cpio_entry(&b, name, body, (size_t)n, 0100644);
	}
	cpio_entry(&b, "TRAILER!!!", "", 0, 0);
	assert_int_equal(b.len % 4, 0);
	return b;
}

static void expect_initramfs(const struct buf *in, size_t max_out,
			     const struct buf *want)
{
	char err[256] = "";
	void *out = NULL;
	size_t out_len = 0;
	int rc = decompress_initramfs(in->p, in->len, max_out, &out, &out_len,
				      err, sizeof(err));

	if (rc)
		fail_msg("initramfs: rc %d: %s", rc, err);
	assert_int_equal(out_len, want->len);
	assert_memory_equal(out, want->p, want->len);
	free(out);
}

static void expect_initramfs_error(const struct buf *in, size_t max_out,
				   int want_rc, const char *want_err)
{
	char err[256] = "";
	void *out = (void *)1;
	size_t out_len = 1;
	int rc = decompress_initramfs(in->p, in->len, max_out, &out, &out_len,
				      err, sizeof(err));

	if (rc != want_rc)
		fail_msg("initramfs: rc %d, want %d: %s", rc, want_rc, err);
	assert_null(out);
	assert_int_equal(out_len, 0);
	if (want_err)
		assert_contains(err, want_err);
}

/*
 * Members of every kind, NUL padding between some: one uncompressed cpio
 * stream out, the padding gone.
 */
static void test_initramfs_members(void **state)
{
	static const char *const tags[] = { "plain", "gz",  "zst", "xz",  "bz2",
					    "lzma",  "lzo", "lz4", "tail" };
	static const enum decompress_format fmts[] = {
		DECOMPRESS_NONE, DECOMPRESS_GZIP,  DECOMPRESS_ZSTD,
		DECOMPRESS_XZ,	 DECOMPRESS_BZIP2, DECOMPRESS_LZMA,
		DECOMPRESS_LZO,	 DECOMPRESS_LZ4,   DECOMPRESS_NONE,
	};
	struct buf in = { 0 }, want = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		struct buf a = cpio_archive(tags[i]);

		put(&want, a.p, a.len);
		if (fmts[i] == DECOMPRESS_NONE) {
			put(&in, a.p, a.len);
			put_zeros(&in, 512 - in.len % 512); /* cpio's blocks */
		} else {
			struct buf c = compress_fmt(fmts[i], a.p, a.len);

			put(&in, c.p, c.len);
			put_zeros(&in, (i % 3) * 4 + (i % 2) * 3);
			buf_free(&c);
		}
		buf_free(&a);
	}
	expect_initramfs(&in, NOLIMIT, &want);
	expect_initramfs(&in, want.len, &want);
	expect_initramfs_error(&in, want.len - 1, -EFBIG, "more than");
	buf_free(&in);
	buf_free(&want);
}

/* A member whose output is not a multiple of 4 is padded with NULs. */
static void test_initramfs_alignment(void **state)
{
	struct buf a = cpio_archive("aligned");
	struct buf in = comp_gzip((const uint8_t *)"abcdef", 6);
	struct buf z = comp_zstd((const uint8_t *)"x", 1, 0);
	struct buf want = { 0 };

	(void)state;
	put(&in, z.p, z.len);
	put(&in, a.p, a.len);
	put_str(&want, "abcdef");
	put_zeros(&want, 2);
	put_str(&want, "x");
	put_zeros(&want, 3);
	put(&want, a.p, a.len);
	expect_initramfs(&in, NOLIMIT, &want);
	buf_free(&a);
	buf_free(&in);
	buf_free(&z);
	buf_free(&want);
}

static void test_initramfs_uncompressed(void **state)
{
	struct buf a = cpio_archive("one"), b = cpio_archive("two");
	struct buf in = { 0 };

	(void)state;
	put(&in, a.p, a.len);
	put_zeros(&in, 100);
	put(&in, b.p, b.len);
	expect_initramfs_error(&in, NOLIMIT, -EALREADY, NULL);
	in.len = 0;
	expect_initramfs_error(&in, NOLIMIT, -EALREADY, NULL);
	put_str(&in, "neither cpio nor compressed");
	expect_initramfs_error(&in, NOLIMIT, -EALREADY, NULL);
	buf_free(&a);
	buf_free(&b);
	buf_free(&in);
}

/* What is neither cpio nor compressed goes through as is, to the end. */
static void test_initramfs_junk(void **state)
{
	struct buf a = cpio_archive("first"), b = cpio_archive("second");
	struct buf in = comp_gzip(a.p, a.len), want = { 0 };
	size_t len = in.len;

	(void)state;
	put_str(&in, "junk\0\0\0\0");
	put(&in, b.p, b.len);
	put(&want, a.p, a.len);
	put_str(&want, "junk\0\0\0\0");
	put(&want, b.p, b.len);
	expect_initramfs(&in, NOLIMIT, &want);

	/* An archive cut short, and one with a bad header. */
	in.len = len;
	put(&in, b.p, b.len / 2);
	want.len = a.len;
	put(&want, b.p, b.len / 2);
	expect_initramfs(&in, NOLIMIT, &want);
	in.len = len;
	put(&in, b.p, b.len);
	in.p[len + 60] = 'z'; /* in the first entry's c_filesize */
	want.len = a.len;
	put(&want, in.p + len, b.len);
	expect_initramfs(&in, NOLIMIT, &want);

	/* LZ4 frame format: not Linux's, so not decompressed. */
	in.len = len;
	put_str(&in, "\x04\x22\x4d\x18 lz4 frame");
	want.len = a.len;
	put_str(&want, "\x04\x22\x4d\x18 lz4 frame");
	expect_initramfs(&in, NOLIMIT, &want);
	buf_free(&a);
	buf_free(&b);
	buf_free(&in);
	buf_free(&want);
}

/* A bad compressed member is an error that names where it starts. */
static void test_initramfs_errors(void **state)
{
	struct buf a = cpio_archive("first"), b = cpio_archive("second");
	struct buf in = { 0 }, c;
	char where[64];

	(void)state;
	put(&in, a.p, a.len);
	put_zeros(&in, 4);
	c = comp_gzip(b.p, b.len);
	c.p[c.len - 6] ^= 1;
	put(&in, c.p, c.len);
	snprintf(where, sizeof(where), "member at byte %zu: gzip:", a.len + 4);
	expect_initramfs_error(&in, NOLIMIT, -EINVAL, where);
	in.len -= 10;
	expect_initramfs_error(&in, NOLIMIT, -EINVAL, "truncated");
	buf_free(&c);

	in.len = a.len + 4;
	c = comp_xz(b.p, b.len);
	put(&in, c.p, c.len);
	expect_initramfs_error(&in, a.len + b.len - 1, -EFBIG, "xz:");
	expect_initramfs_error(&in, a.len - 1, -EFBIG, "initramfs:");
	buf_free(&c);
	buf_free(&a);
	buf_free(&b);
	buf_free(&in);
}

/* Garbage ---------------------------------------------------------------- */

static void expect_survives(enum decompress_format f, const uint8_t *p,
			    size_t len, size_t max_out)
{
	char err[128];
	void *out = NULL;
	size_t out_len = 0;
	int rc = decompress(f, p, len, max_out, &out, &out_len, err,
			    sizeof(err));

	if (rc != 0 && rc != -EINVAL && rc != -EFBIG)
		fail_msg("%s: rc %d on garbage: %s", decompress_format_name(f),
			 rc, err);
	if (!rc) {
		assert_non_null(out);
		assert_true(out_len <= max_out);
	}
	free(out);
	rc = decompress_initramfs(p, len, max_out, &out, &out_len, err,
				  sizeof(err));
	if (rc && rc != -EALREADY && rc != -EINVAL && rc != -EFBIG)
		fail_msg("initramfs: rc %d on garbage: %s", rc, err);
	free(out);
}

/*
 * Random bytes, random bytes behind each magic, and valid streams with
 * random bytes changed, fed to every decoder: an error or data, never a
 * crash (run under ASan with make ASAN=1).
 */
static void test_garbage(void **state)
{
	uint8_t *data = make_data(20000);
	uint8_t *g = malloc(8192);

	(void)state;
	assert_non_null(g);
	for (size_t i = 0; i < NFORMATS; i++) {
		enum decompress_format f = all_formats[i];
		struct buf c = compress_fmt(f, data, 20000);
		struct buf m = { 0 };

		for (int k = 0; k < 150; k++) {
			size_t len = rnd() % 8192;

			for (size_t j = 0; j < len; j++)
				g[j] = (uint8_t)rnd();
			expect_survives(f, g, len, 1 << 20);
			memcpy(g, c.p, len < 16 ? len : 16);
			expect_survives(f, g, len, 1 << 20);
		}
		put(&m, c.p, c.len);
		for (int k = 0; k < 150; k++) {
			memcpy(m.p, c.p, c.len);
			for (int j = 0, n = 1 + (int)(rnd() % 4); j < n; j++)
				m.p[rnd() % m.len] ^=
					(uint8_t)(1 + rnd() % 255);
			expect_survives(f, m.p, m.len, 1 << 20);
			expect_survives(f, m.p, rnd() % m.len, 30000);
		}
		buf_free(&m);
		buf_free(&c);
	}
	free(g);
	free(data);
}

/* The command-line tools ------------------------------------------------- */

static int tool_missing(const char *tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) != 0;
}

static struct buf read_file(const char *path)
{
	struct buf b = { 0 };
	FILE *f = fopen(path, "rb");
	uint8_t chunk[65536];
	size_t n;

	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		put(&b, chunk, n);
	fclose(f);
	return b;
}

/* Two temporary files for test_tools, removed whatever happens. */
struct tool_files {
	char in[32], out[32];
};

static int tool_setup(void **state)
{
	struct tool_files *t = calloc(1, sizeof(*t));
	int fd;

	if (!t)
		return -1;
	strcpy(t->in, "/tmp/hyve-dec-in-XXXXXX");
	strcpy(t->out, "/tmp/hyve-dec-out-XXXXXX");
	fd = mkstemp(t->in);
	if (fd >= 0)
		close(fd);
	fd = fd < 0 ? -1 : mkstemp(t->out);
	if (fd < 0) {
		unlink(t->in);
		free(t);
		return -1;
	}
	close(fd);
	*state = t;
	return 0;
}

static int tool_teardown(void **state)
{
	struct tool_files *t = *state;

	unlink(t->in);
	unlink(t->out);
	free(t);
	return 0;
}

/*
 * What the tools write: gzip's name field, xz's x86 filter and CRC-32 as
 * Linux's build asks, .lzma from a pipe (size unknown), lz4 -l's 8 MiB
 * blocks (two of them), zstd's checksum, a real lzop header.
 */
static void test_tools(void **state)
{
	static const struct {
		const char *tool, *args;
		enum decompress_format f;
		size_t len;
	} tools[] = {
		{ "gzip", "-c -6", DECOMPRESS_GZIP, DATA_LEN },
		{ "xz", "-c --check=crc32 --x86 --lzma2=preset=1,dict=4MiB",
		  DECOMPRESS_XZ, DATA_LEN },
		{ "lzma", "-c -1", DECOMPRESS_LZMA, DATA_LEN },
		{ "bzip2", "-c -1", DECOMPRESS_BZIP2, DATA_LEN },
		{ "lz4", "-l -c -1 -q", DECOMPRESS_LZ4, (9 << 20) + 5 },
		{ "zstd", "-c -q -3", DECOMPRESS_ZSTD, DATA_LEN },
		{ "lzop", "-c", DECOMPRESS_LZO, DATA_LEN },
	};
	struct tool_files *t = *state;
	uint8_t *data = make_data((9 << 20) + 5);
	int ran = 0;

	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		char cmd[512];
		struct buf c;
		FILE *f;

		if (tool_missing(tools[i].tool)) {
			printf("[   NOTE   ] %s is not installed: skipped\n",
			       tools[i].tool);
			continue;
		}
		f = fopen(t->in, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(data, 1, tools[i].len, f),
				 tools[i].len);
		assert_int_equal(fclose(f), 0);
		snprintf(cmd, sizeof(cmd), "%s %s < %s > %s", tools[i].tool,
			 tools[i].args, t->in, t->out);
		assert_int_equal(system(cmd), 0);
		c = read_file(t->out);
		assert_int_equal(decompress_detect(c.p, c.len), tools[i].f);
		expect_data(tools[i].f, c.p, c.len, NOLIMIT, data,
			    tools[i].len);
		buf_free(&c);
		ran++;
	}
	free(data);
	if (!ran)
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_not_supported),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_xz_one_stream),
		cmocka_unit_test(test_lzma_header),
		cmocka_unit_test(test_lz4_blocks),
		cmocka_unit_test(test_zstd_frames),
		cmocka_unit_test(test_zstd_window),
		cmocka_unit_test(test_lzop_variants),
		cmocka_unit_test(test_initramfs_members),
		cmocka_unit_test(test_initramfs_alignment),
		cmocka_unit_test(test_initramfs_uncompressed),
		cmocka_unit_test(test_initramfs_junk),
		cmocka_unit_test(test_initramfs_errors),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test_setup_teardown(test_tools, tool_setup,
						tool_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
