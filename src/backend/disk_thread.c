/*
 * disk_thread.c: the block backend's fallback engine, a pool of worker
 * threads that run each step as a plain blocking system call, for hosts
 * where io_uring is unavailable (and, on any host, io_uring's helper for
 * what it cannot express: BLKDISCARD).
 *
 * Workers start on demand, up to the pool's limit, when a step is queued
 * and none is idle; they live until the pool is destroyed.  They run with
 * every signal blocked, so process-directed signals keep going to the
 * threads that expect them.  A finished step is put on the done list and
 * the queue's eventfd is written; the owner's disk_complete takes the list.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backend/disk_int.h"
#include "util/log.h"

struct disk_pool {
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct disk_req *todo, **todo_tail;	  /* under lock */
	struct disk_req *done, **done_tail;	  /* under lock */
	unsigned int ntodo, nthreads, nidle, max; /* under lock */
	bool stop;				  /* under lock */
	int fd, efd;
	pthread_t tid[DISK_POOL_THREADS];
};

int64_t disk_step_run(int fd, const struct disk_req *r)
{
	uint64_t range[2];
	ssize_t n;
	int rc;

	do {
		switch (r->step) {
		case DISK_STEP_READV:
			n = preadv(fd, r->step_iov, (int)r->step_iovcnt,
				   (off_t)r->step_off);
			break;
		case DISK_STEP_WRITEV:
			n = pwritev(fd, r->step_iov, (int)r->step_iovcnt,
				    (off_t)r->step_off);
			break;
		case DISK_STEP_FDATASYNC:
			n = fdatasync(fd);
			break;
		case DISK_STEP_FALLOCATE:
			n = fallocate(fd, r->step_mode, (off_t)r->step_off,
				      (off_t)r->step_len);
			break;
		case DISK_STEP_BLKDISCARD:
			range[0] = r->step_off;
			range[1] = r->step_len;
			rc = ioctl(fd, BLKDISCARD, range);
			n = rc;
			break;
		default:
			return -EINVAL;
		}
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static void *disk_pool_worker(void *arg)
{
	struct disk_pool *p = arg;
	const uint64_t one = 1;
	struct disk_req *r;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->todo && !p->stop) {
			p->nidle++;
			pthread_cond_wait(&p->work, &p->lock);
			p->nidle--;
		}
		if (!p->todo)
			break; /* stopping, and nothing left */
		r = p->todo;
		p->todo = r->next;
		p->ntodo--;
		if (!p->todo)
			p->todo_tail = &p->todo;
		pthread_mutex_unlock(&p->lock);

		r->step_res = disk_step_run(p->fd, r);

		pthread_mutex_lock(&p->lock);
		r->next = NULL;
		*p->done_tail = r;
		p->done_tail = &r->next;
		/* Written under the lock, so destroy cannot free p first. */
		if (write(p->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_warn("disk", "eventfd: %d", errno);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int disk_pool_create(struct disk_pool **out, int fd, int efd,
		     unsigned int max_threads)
{
	struct disk_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	p->todo_tail = &p->todo;
	p->done_tail = &p->done;
	p->fd = fd;
	p->efd = efd;
	p->max = max_threads < 1		   ? 1
		 : max_threads > DISK_POOL_THREADS ? DISK_POOL_THREADS
						   : max_threads;
	*out = p;
	return 0;
}

void disk_pool_destroy(struct disk_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned int i = 0; i < p->nthreads; i++)
		pthread_join(p->tid[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* Called with the lock held; 0, or an errno when no worker exists. */
static int disk_pool_grow(struct disk_pool *p)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&p->tid[p->nthreads], NULL, disk_pool_worker, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0) {
		p->nthreads++;
		return 0;
	}
	if (p->nthreads > 0)
		return 0; /* the workers there will get to it */
	log_warn("disk", "cannot start a worker thread: %d", rc);
	return -rc;
}

int disk_pool_submit(struct disk_pool *p, struct disk_req *r)
{
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	/* Idle workers already woken for earlier steps do not count. */
	if (p->ntodo >= p->nidle && p->nthreads < p->max)
		rc = disk_pool_grow(p);
	if (rc == 0) {
		r->next = NULL;
		*p->todo_tail = r;
		p->todo_tail = &r->next;
		p->ntodo++;
		pthread_cond_signal(&p->work);
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

struct disk_req *disk_pool_take(struct disk_pool *p)
{
	struct disk_req *list;

	pthread_mutex_lock(&p->lock);
	list = p->done;
	p->done = NULL;
	p->done_tail = &p->done;
	pthread_mutex_unlock(&p->lock);
	return list;
}

/* The thread engine: a queue's steps all go to its pool. */

static int disk_thread_init(struct disk_queue *q)
{
	return disk_pool_create(&q->pool, q->disk->fd, q->efd,
				DISK_POOL_THREADS);
}

static void disk_thread_fini(struct disk_queue *q)
{
	disk_pool_destroy(q->pool);
	q->pool = NULL;
}

static int disk_thread_submit(struct disk_queue *q, struct disk_req *r)
{
	return disk_pool_submit(q->pool, r);
}

static void disk_thread_kick(struct disk_queue *q)
{
	(void)q; /* workers are woken at each submission */
}

static void disk_thread_reap(struct disk_queue *q)
{
	struct disk_req *r = disk_pool_take(q->pool), *next;

	for (; r; r = next) {
		next = r->next;
		disk_step_done(q, r, r->step_res);
	}
}

const struct disk_engine_ops disk_thread_ops = {
	.engine = DISK_ENGINE_THREAD,
	.init = disk_thread_init,
	.fini = disk_thread_fini,
	.submit = disk_thread_submit,
	.kick = disk_thread_kick,
	.reap = disk_thread_reap,
};
