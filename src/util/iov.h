/*
 * iov.h: copying between a buffer and an array of iovecs at a byte
 * offset, and slicing an array, for every device and backend that handles
 * guest buffers as iovecs (virtio-blk, virtio-net and its backends,
 * virtio-vsock).  Offsets and lengths past the end stop short; nothing is
 * read or written outside the iovecs.
 */
#ifndef HYVE_UTIL_IOV_H
#define HYVE_UTIL_IOV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Bytes in the n iovecs. */
size_t iov_len(const struct iovec *iov, unsigned int n);
/* Copy up to len bytes from offset off of the iovecs into buf (read) or
 * from buf into them (write); the bytes copied. */
size_t iov_read(const struct iovec *iov, unsigned int n, size_t off, void *buf,
		size_t len);
size_t iov_write(const struct iovec *iov, unsigned int n, size_t off,
		 const void *buf, size_t len);
/*
 * The iovecs that cover [off, off + len) of src's n, into dst (cap of
 * them): how many, or cap + 1 when they do not fit.
 */
unsigned int iov_slice(struct iovec *dst, unsigned int cap,
		       const struct iovec *src, unsigned int n, uint64_t off,
		       uint64_t len);

#endif
