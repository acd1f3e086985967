/*
 * decompress.h: host-side decompression of Linux kernel payloads and
 * initramfs images, with Debian's libraries (zlib, liblzma, libbz2, liblz4,
 * libzstd, liblzo2).  Running Linux's own decompressor inside the guest
 * means minutes in KVM's instruction emulator; the kernel boots just as
 * well from the uncompressed ELF (bzImage payload) or an uncompressed cpio
 * (initramfs).
 *
 * Handled: the seven formats Linux builds kernels and initramfs images with
 * (Documentation/x86/boot.rst, "payload_offset"; lib/decompress.c for the
 * magic numbers):
 *   gzip   one member (RFC 1952), CRC-32 and length checked by zlib
 *   xz     one stream (LZMA_CONCATENATED off), its integrity check checked
 *   lzma   the .lzma "alone" format, size in the header known or not
 *   bzip2  one stream, block and stream CRCs checked
 *   lz4    the LEGACY frame format Linux uses (lz4 -l), frames may follow
 *          one another; it has no end marker and no checksum
 *   zstd   one or more frames, skippable frames skipped
 *   lzo    an lzop file, every header field and checksum lzop defines
 * Not handled: old-style gzip (1f 9e, detected as gzip as Linux does, then
 * refused), the LZ4 frame format (lz4 without -l) and compress(1) .Z, which
 * are reported as DECOMPRESS_UNKNOWN, and lzop's filters (F_H_FILTER with a
 * filter other than 0), which are refused.
 *
 * Nothing here trusts a size from a header: output grows geometrically up
 * to the caller's max_out; liblzma gets a memory limit and libzstd keeps its
 * default window limit (128 MiB), so a hostile image cannot make hyve
 * allocate without bound.  Errors are 0 or a negative errno, with one line
 * in err saying which format and why; the caller adds the file name.
 *
 * No state: every function may be called from any thread.
 */
#ifndef HYVE_BOOT_DECOMPRESS_H
#define HYVE_BOOT_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

enum decompress_format {
	DECOMPRESS_NONE,
	DECOMPRESS_GZIP,
	DECOMPRESS_XZ,
	DECOMPRESS_LZMA,
	DECOMPRESS_BZIP2,
	DECOMPRESS_LZ4,
	DECOMPRESS_ZSTD,
	DECOMPRESS_LZO,
	DECOMPRESS_UNKNOWN,
};

/*
 * Tell the format from the first bytes, as Linux's decompress_method() does
 * (but with each format's whole magic):
 *   gzip 1f 8b or 1f 9e, xz fd 37 7a 58 5a 00, lzma 5d 00 00, bzip2 "BZh",
 *   lzo 89 4c 5a 4f 00 0d 0a 1a 0a, lz4 (legacy) 02 21 4c 18,
 *   zstd 28 b5 2f fd.
 * DECOMPRESS_UNKNOWN for compressed data in a format Linux does not read
 * (LZ4 frame format 04 22 4d 18, compress(1) 1f 9d); DECOMPRESS_NONE for
 * anything else (an ELF, a "070701" cpio, a buffer too short to tell).
 */
enum decompress_format decompress_detect(const void *buf, size_t len);

/* "none", "gzip", "xz", "lzma", "bzip2", "lz4", "zstd", "lzo", "unknown". */
const char *decompress_format_name(enum decompress_format f);

/*
 * Decompress src[0, len) of format f into a malloc'd buffer (*out,
 * *out_len; *out is never NULL on success, even for empty output).  Data
 * after the end of the compressed stream is ignored (Linux appends the
 * uncompressed size to a kernel payload).
 *
 * Errors (*out NULL, *out_len 0): -EINVAL corrupt or truncated data,
 * -ENOTSUP f is NONE, UNKNOWN or out of range, -ENOMEM, -EFBIG more than
 * max_out bytes of output, or an image that needs more decoder memory than
 * hyve allows (liblzma's limit, zstd's window limit).
 */
int decompress(enum decompress_format f, const void *src, size_t len,
	       size_t max_out, void **out, size_t *out_len, char *err,
	       size_t errlen);

/*
 * An initramfs is a sequence of members, each a cpio archive ("070701" or
 * "070702", up to and including its TRAILER!!! entry) or compressed data,
 * with NUL bytes between them (Linux's unpack_to_rootfs() in
 * init/initramfs.c).  Decompress every compressed member and join the
 * results with the uncompressed archives into one uncompressed stream, each
 * member starting at a multiple of 4 bytes (NUL-padded), as the kernel's
 * cpio parser wants.  Data that is neither (a malformed or cut archive,
 * unknown bytes) is copied to the output unchanged from there to the end,
 * so the kernel sees what it would have seen and reports it the same way.
 *
 * -EALREADY when no member is compressed: the caller keeps the original.
 * Other errors as decompress(), err naming the member's offset.
 */
int decompress_initramfs(const void *src, size_t len, size_t max_out,
			 void **out, size_t *out_len, char *err, size_t errlen);

/* For decompress_*.c only ------------------------------------------------ */

/*
 * The output being built: buf[0, len) written, cap bytes allocated.  It may
 * grow to max + 1 bytes, one more than the caller allows, so that a decoder
 * that ends exactly at max can be told from one that goes beyond it.
 */
struct decompress_out {
	uint8_t *buf;
	size_t len;
	size_t cap;
	size_t max;
};

/*
 * Make room for want more bytes (fewer when the limit is nearer), growing
 * geometrically: 0, -ENOMEM, or -EFBIG when no room is left.
 */
int decompress_out_reserve(struct decompress_out *o, size_t want);

/* Fill err from what a failed decompress_out_reserve() returned. */
int decompress_out_fail(const struct decompress_out *o, int rc, const char *fmt,
			char *err, size_t errlen);

/* snprintf(err, ...) then return rc. */
int decompress_fail(int rc, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * One decoder per format: decompress src[0, len) and append to o; *used
 * gets how many bytes of src the stream took (whatever follows is not
 * theirs).  Errors as decompress(), err starting with the format's name.
 */
typedef int decompress_fn(const uint8_t *src, size_t len,
			  struct decompress_out *o, size_t *used, char *err,
			  size_t errlen);

decompress_fn decompress_gzip, decompress_xz, decompress_lzma, decompress_bzip2,
	decompress_zstd;		      /* decompress_stream.c */
decompress_fn decompress_lz4, decompress_lzo; /* decompress_block.c */

#endif
