/*
 * iov.c: see iov.h.
 */
#include "util/iov.h"

#include <string.h>

size_t iov_len(const struct iovec *iov, unsigned int n)
{
	size_t len = 0;

	for (unsigned int i = 0; i < n; i++)
		len += iov[i].iov_len;
	return len;
}

/* The one walk behind iov_read and iov_write. */
static size_t iov_copy(const struct iovec *iov, unsigned int n, size_t off,
		       uint8_t *buf, size_t len, int to_iov)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		uint8_t *base = iov[i].iov_base;
		size_t k;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		k = iov[i].iov_len - off;
		k = k < len - done ? k : len - done;
		if (to_iov)
			memcpy(base + off, buf + done, k);
		else
			memcpy(buf + done, base + off, k);
		done += k;
		off = 0;
	}
	return done;
}

size_t iov_read(const struct iovec *iov, unsigned int n, size_t off, void *buf,
		size_t len)
{
	return iov_copy(iov, n, off, buf, len, 0);
}

size_t iov_write(const struct iovec *iov, unsigned int n, size_t off,
		 const void *buf, size_t len)
{
	return iov_copy(iov, n, off, (uint8_t *)buf, len, 1);
}

unsigned int iov_slice(struct iovec *dst, unsigned int cap,
		       const struct iovec *src, unsigned int n, uint64_t off,
		       uint64_t len)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < n && len; i++) {
		size_t take;

		if (off >= src[i].iov_len) {
			off -= src[i].iov_len;
			continue;
		}
		if (k == cap)
			return cap + 1;
		take = src[i].iov_len - (size_t)off;
		take = take < len ? take : (size_t)len;
		dst[k].iov_base = (uint8_t *)src[i].iov_base + off;
		dst[k++].iov_len = take;
		len -= take;
		off = 0;
	}
	return k;
}
