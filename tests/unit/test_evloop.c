/*
 * test_evloop.c: the event loop (util/evloop.c): fd callbacks (level-
 * triggered, removed from inside a batch), timers (order, disarm, re-arm,
 * freed from a callback), evloop_call from other threads, from the loop's
 * thread and before the start, and stopping with work pending.  Waits are
 * bounded (WAIT_S) so that a broken loop fails the test instead of hanging
 * it.  No KVM needed.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/evloop.h"

#define WAIT_S 10
#define MS     1000000ULL

/* Wait for sem with a bound; false on timeout. */
static bool wait_sem(sem_t *sem)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_S;
	while (sem_timedwait(sem, &ts) < 0)
		if (errno != EINTR)
			return false;
	return true;
}

/* What a callback saw. */
struct probe {
	struct evloop *l;
	sem_t sem;
	int calls;
	bool on_thread;
	pthread_t thread;
	char name[16];
	bool sigint_blocked;
	int fd;
	int other_fd;
};

static void probe_init(struct probe *p, struct evloop *l)
{
	memset(p, 0, sizeof(*p));
	p->l = l;
	p->fd = p->other_fd = -1;
	sem_init(&p->sem, 0, 0);
}

static void probe_note(struct probe *p)
{
	sigset_t set;

	p->calls++;
	p->on_thread = evloop_on_thread(p->l);
	p->thread = pthread_self();
	pthread_getname_np(pthread_self(), p->name, sizeof(p->name));
	pthread_sigmask(SIG_BLOCK, NULL, &set);
	p->sigint_blocked = sigismember(&set, SIGINT);
}

static void probe_call(void *ctx)
{
	probe_note(ctx);
}

static void read_one(void *ctx, int fd, uint32_t events);

/* Lifecycle ---------------------------------------------------------------- */

static void test_create_destroy(void **state)
{
	struct evloop *l;

	(void)state;
	/* Never started. */
	assert_int_equal(evloop_create(&l, "t-idle"), 0);
	assert_false(evloop_on_thread(l));
	evloop_destroy(l);

	/* Started and stopped, then destroyed. */
	assert_int_equal(evloop_create(&l, "t-run"), 0);
	assert_int_equal(evloop_start(l), 0);
	assert_false(evloop_on_thread(l));
	evloop_stop(l);
	evloop_stop(l); /* twice is harmless */
	evloop_destroy(l);

	/* Destroy stops a running loop. */
	assert_int_equal(evloop_create(&l, "t-run2"), 0);
	assert_int_equal(evloop_start(l), 0);
	evloop_destroy(l);
	evloop_destroy(NULL);
}

static void test_call_before_start(void **state)
{
	struct evloop *l;
	struct probe p;

	(void)state;
	assert_int_equal(evloop_create(&l, "t-before"), 0);
	probe_init(&p, l);
	/* Runs at once, on this thread. */
	assert_int_equal(evloop_call(l, probe_call, &p), 0);
	assert_int_equal(p.calls, 1);
	assert_false(p.on_thread);
	assert_true(pthread_equal(p.thread, pthread_self()));
	evloop_destroy(l);
}

static void test_call_on_loop(void **state)
{
	struct evloop *l;
	struct probe p;

	(void)state;
	assert_int_equal(evloop_create(&l, "hyve-test-loop-long-name"), 0);
	probe_init(&p, l);
	assert_int_equal(evloop_start(l), 0);
	assert_int_equal(evloop_call(l, probe_call, &p), 0);
	assert_int_equal(p.calls, 1);
	assert_true(p.on_thread);
	assert_false(pthread_equal(p.thread, pthread_self()));
	/* The thread is named, cut to 15 characters. */
	assert_string_equal(p.name, "hyve-test-loop-");
	/* Signals are main's. */
	assert_true(p.sigint_blocked);
	evloop_stop(l);
	/* After the stop: refused, and not run. */
	assert_int_equal(evloop_call(l, probe_call, &p), -ESHUTDOWN);
	assert_int_equal(p.calls, 1);
	assert_false(evloop_on_thread(l));
	evloop_destroy(l);
}

/* A call made from the loop's own thread runs at once (no deadlock). */
struct nested {
	struct evloop *l;
	int depth;
	int ran;
};

static void nested_call(void *ctx)
{
	struct nested *n = ctx;

	n->ran++;
	if (n->depth-- > 0)
		assert_int_equal(evloop_call(n->l, nested_call, n), 0);
}

static void test_call_from_loop(void **state)
{
	struct evloop *l;
	struct nested n;

	(void)state;
	assert_int_equal(evloop_create(&l, "t-nested"), 0);
	n = (struct nested){ .l = l, .depth = 3 };
	assert_int_equal(evloop_start(l), 0);
	assert_int_equal(evloop_call(l, nested_call, &n), 0);
	assert_int_equal(n.ran, 4);
	evloop_destroy(l);
}

/* Several threads call at once; every call runs exactly once. */
struct counter {
	struct evloop *l;
	unsigned long count; /* touched only on the loop's thread */
	unsigned long wrong_thread;
};

static void count_call(void *ctx)
{
	struct counter *c = ctx;

	if (!evloop_on_thread(c->l))
		c->wrong_thread++;
	c->count++;
}

static void *caller_thread(void *arg)
{
	struct counter *c = arg;

	for (int i = 0; i < 2000; i++)
		if (evloop_call(c->l, count_call, c) != 0)
			return (void *)1;
	return NULL;
}

static void test_call_threads(void **state)
{
	struct evloop *l;
	struct counter c = { 0 };
	pthread_t t[4];
	void *ret;

	(void)state;
	assert_int_equal(evloop_create(&l, "t-calls"), 0);
	c.l = l;
	assert_int_equal(evloop_start(l), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, caller_thread, &c),
				 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	evloop_stop(l);
	assert_int_equal(c.count, 4 * 2000);
	assert_int_equal(c.wrong_thread, 0);
	evloop_destroy(l);
}

/*
 * Stopping while other threads keep calling: each call either ran (0) or
 * was refused without running (-ESHUTDOWN); none is lost or left waiting.
 */
struct stopper {
	struct evloop *l;
	unsigned long ran; /* loop thread only */
	sem_t enough;
	unsigned long ok[3];
};

static void stopper_call(void *ctx)
{
	struct stopper *s = ctx;

	if (++s->ran == 300)
		sem_post(&s->enough);
}

struct stopper_arg {
	struct stopper *s;
	int i;
};

static void *stopper_thread(void *arg)
{
	struct stopper_arg *a = arg;
	int r;

	while ((r = evloop_call(a->s->l, stopper_call, a->s)) == 0)
		a->s->ok[a->i]++;
	return r == -ESHUTDOWN ? NULL : (void *)1;
}

static void long_timer(void *ctx)
{
	(*(int *)ctx)++;
}

static void test_stop_pending(void **state)
{
	struct evloop *l;
	struct stopper s = { 0 };
	struct stopper_arg a[3];
	pthread_t t[3];
	struct evloop_timer *tm;
	int timer_ran = 0, pfd[2];
	void *ret;

	(void)state;
	assert_int_equal(evloop_create(&l, "t-stop"), 0);
	s.l = l;
	sem_init(&s.enough, 0, 0);
	/* A timer far off and a watched fd: still there at the stop. */
	tm = evloop_timer_new(l, long_timer, &timer_ran);
	assert_non_null(tm);
	evloop_timer_arm(tm, evloop_now_ns() + 3600 * 1000 * MS);
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(evloop_add_fd(l, pfd[0], EPOLLIN, read_one, NULL), 0);
	assert_int_equal(evloop_start(l), 0);
	for (int i = 0; i < 3; i++) {
		a[i] = (struct stopper_arg){ .s = &s, .i = i };
		assert_int_equal(
			pthread_create(&t[i], NULL, stopper_thread, &a[i]), 0);
	}
	assert_true(wait_sem(&s.enough));
	evloop_stop(l);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	assert_int_equal(s.ok[0] + s.ok[1] + s.ok[2], s.ran);
	assert_true(s.ran >= 300);
	assert_int_equal(timer_ran, 0);
	/* The timer is freed with the loop; the fds are ours. */
	evloop_destroy(l);
	close(pfd[0]);
	close(pfd[1]);
	sem_destroy(&s.enough);
}

/* Stopping from a callback on the loop's thread. */
static void stop_call(void *ctx)
{
	evloop_stop(ctx);
}

static void test_stop_from_loop(void **state)
{
	struct evloop *l;
	struct probe p;

	(void)state;
	assert_int_equal(evloop_create(&l, "t-selfstop"), 0);
	probe_init(&p, l);
	assert_int_equal(evloop_start(l), 0);
	assert_int_equal(evloop_call(l, stop_call, l), 0);
	/* The loop ends after the callback and refuses new calls. */
	evloop_stop(l);
	assert_int_equal(evloop_call(l, probe_call, &p), -ESHUTDOWN);
	assert_int_equal(p.calls, 0);
	evloop_destroy(l);
}

/* fds ---------------------------------------------------------------------- */

/* Reads one byte per callback: level-triggered means once per byte. */
static void read_one(void *ctx, int fd, uint32_t events)
{
	struct probe *p = ctx;
	char c;

	assert_true(events & EPOLLIN);
	assert_int_equal(read(fd, &c, 1), 1);
	probe_note(p);
	sem_post(&p->sem);
}

static void test_fd(void **state)
{
	struct evloop *l;
	struct probe p;
	int pfd[2], gone[2];

	(void)state;
	assert_int_equal(evloop_create(&l, "t-fd"), 0);
	probe_init(&p, l);
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(evloop_add_fd(l, pfd[0], EPOLLIN, read_one, &p), 0);
	assert_int_equal(evloop_add_fd(l, pfd[0], EPOLLIN, read_one, &p),
			 -EEXIST);
	assert_int_equal(evloop_add_fd(l, 12345, EPOLLIN, read_one, &p),
			 -EBADF);
	assert_int_equal(evloop_mod_fd(l, pfd[1], EPOLLOUT), -ENOENT);
	assert_int_equal(evloop_del_fd(l, pfd[1]), -ENOENT);
	/* Removing an fd closed meanwhile is no error. */
	assert_int_equal(pipe(gone), 0);
	assert_int_equal(evloop_add_fd(l, gone[0], EPOLLIN, read_one, &p), 0);
	close(gone[0]);
	close(gone[1]);
	assert_int_equal(evloop_del_fd(l, gone[0]), 0);
	assert_int_equal(evloop_del_fd(l, gone[0]), -ENOENT);
	assert_int_equal(evloop_start(l), 0);

	/* Started: only the loop's thread may change the fds. */
	assert_int_equal(evloop_add_fd(l, pfd[1], EPOLLOUT, read_one, &p),
			 -EPERM);
	assert_int_equal(evloop_mod_fd(l, pfd[0], EPOLLIN), -EPERM);
	assert_int_equal(evloop_del_fd(l, pfd[0]), -EPERM);

	assert_int_equal(write(pfd[1], "abc", 3), 3);
	for (int i = 0; i < 3; i++)
		assert_true(wait_sem(&p.sem));
	/* Nothing more: an evloop_call is a barrier after the callbacks. */
	assert_int_equal(evloop_call(l, probe_call, &p), 0);
	assert_int_equal(p.calls, 4);
	assert_true(p.on_thread);
	assert_int_equal(sem_trywait(&p.sem), -1);

	evloop_stop(l);
	/* Stopped: the owner may again. */
	assert_int_equal(evloop_mod_fd(l, pfd[0], EPOLLIN | EPOLLOUT), 0);
	assert_int_equal(evloop_del_fd(l, pfd[0]), 0);
	assert_int_equal(evloop_add_fd(l, pfd[0], EPOLLIN, read_one, &p), 0);
	evloop_destroy(l); /* frees the record of pfd[0] */
	close(pfd[0]);
	close(pfd[1]);
}

/* mod_fd from the loop thread: no events, then EPOLLIN again. */
struct modarg {
	struct evloop *l;
	int fd;
	uint32_t events;
	int ret;
};

static void mod_call(void *ctx)
{
	struct modarg *m = ctx;

	m->ret = evloop_mod_fd(m->l, m->fd, m->events);
}

static void test_fd_mod(void **state)
{
	struct evloop *l;
	struct probe p;
	struct modarg m;
	int pfd[2];

	(void)state;
	assert_int_equal(evloop_create(&l, "t-mod"), 0);
	probe_init(&p, l);
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(evloop_add_fd(l, pfd[0], 0, read_one, &p), 0);
	assert_int_equal(evloop_start(l), 0);
	assert_int_equal(write(pfd[1], "a", 1), 1);
	/* Watching nothing: no callback however long the byte waits. */
	m = (struct modarg){ .l = l, .fd = pfd[0], .events = 0 };
	assert_int_equal(evloop_call(l, mod_call, &m), 0);
	assert_int_equal(m.ret, 0);
	assert_int_equal(p.calls, 0);
	m.events = EPOLLIN;
	assert_int_equal(evloop_call(l, mod_call, &m), 0);
	assert_int_equal(m.ret, 0);
	assert_true(wait_sem(&p.sem));
	assert_int_equal(p.calls, 1);
	evloop_destroy(l);
	close(pfd[0]);
	close(pfd[1]);
}

/*
 * Two fds ready in one batch; whichever callback runs first removes the
 * other and frees its context: the other never runs (ASan would see a
 * use after free otherwise).
 */
struct pair {
	struct evloop *l;
	int fd[2];
	int *ctx[2];
	int ran;
	sem_t sem;
};

static struct pair *the_pair; /* the callbacks' contexts are the ints */

static void pair_cb(void *ctx, int fd, uint32_t events)
{
	struct pair *p = the_pair;
	int me = *(int *)ctx;
	int other = !me;

	(void)events;
	assert_int_equal(fd, p->fd[me]);
	p->ran++;
	assert_int_equal(evloop_del_fd(p->l, p->fd[me]), 0);
	if (p->ctx[other]) {
		assert_int_equal(evloop_del_fd(p->l, p->fd[other]), 0);
		free(p->ctx[other]);
		p->ctx[other] = NULL;
	}
	free(p->ctx[me]);
	p->ctx[me] = NULL;
	sem_post(&p->sem);
}

static void start_call(void *ctx)
{
	struct pair *p = ctx;

	for (int i = 0; i < 2; i++)
		assert_int_equal(evloop_add_fd(p->l, p->fd[i], EPOLLOUT,
					       pair_cb, p->ctx[i]),
				 0);
}

static void test_fd_del_in_batch(void **state)
{
	struct evloop *l;
	struct pair p = { 0 };
	int pa[2], pb[2];

	(void)state;
	assert_int_equal(evloop_create(&l, "t-del"), 0);
	assert_int_equal(pipe(pa), 0);
	assert_int_equal(pipe(pb), 0);
	p.l = l;
	p.fd[0] = pa[1]; /* write ends: always writable */
	p.fd[1] = pb[1];
	for (int i = 0; i < 2; i++) {
		p.ctx[i] = malloc(sizeof(int));
		*p.ctx[i] = i;
	}
	sem_init(&p.sem, 0, 0);
	the_pair = &p;
	assert_int_equal(evloop_start(l), 0);
	/* Added from the loop's thread, so both are ready in one wait. */
	assert_int_equal(evloop_call(l, start_call, &p), 0);
	assert_true(wait_sem(&p.sem));
	/* A barrier: any further callback would have run by now. */
	assert_int_equal(evloop_call(l, stop_call, l), 0);
	evloop_stop(l);
	assert_int_equal(p.ran, 1);
	assert_null(p.ctx[0]);
	assert_null(p.ctx[1]);
	evloop_destroy(l);
	for (int i = 0; i < 2; i++) {
		close(pa[i]);
		close(pb[i]);
	}
	sem_destroy(&p.sem);
}

/* Timers ------------------------------------------------------------------- */

#define NT 6

struct tlog {
	struct evloop *l;
	int order[16];
	uint64_t when[16];
	int n;
	sem_t done;
};

struct tctx {
	struct tlog *log;
	int id;
	uint64_t deadline;
	bool last;
};

static void timer_fired(void *ctx)
{
	struct tctx *c = ctx;
	struct tlog *g = c->log;

	assert_true(evloop_on_thread(g->l));
	if (g->n < 16) {
		g->when[g->n] = evloop_now_ns();
		g->order[g->n++] = c->id;
	}
	if (c->last)
		sem_post(&g->done);
}

static void test_timer_order(void **state)
{
	struct evloop *l;
	struct tlog g = { 0 };
	struct tctx c[NT];
	struct evloop_timer *t[NT];
	/* ms after the base: ids 0..5; 3 is disarmed, 4 moved later. */
	const int at[NT] = { 30, 10, 20, 15, 5, 60 };
	uint64_t base;

	(void)state;
	assert_int_equal(evloop_create(&l, "t-timers"), 0);
	g.l = l;
	sem_init(&g.done, 0, 0);
	base = evloop_now_ns();
	for (int i = 0; i < NT; i++) {
		c[i] = (struct tctx){ .log = &g, .id = i };
		t[i] = evloop_timer_new(l, timer_fired, &c[i]);
		assert_non_null(t[i]);
		c[i].deadline = base + at[i] * MS;
		/* Armed before the start: allowed. */
		evloop_timer_arm(t[i], c[i].deadline);
	}
	c[NT - 1].last = true;
	evloop_timer_arm(t[3], 0);	/* disarmed: never fires */
	c[4].deadline = base + 40 * MS; /* moved from 5 to 40 ms */
	evloop_timer_arm(t[4], c[4].deadline);
	assert_int_equal(evloop_start(l), 0);
	assert_true(wait_sem(&g.done));
	evloop_stop(l);

	assert_int_equal(g.n, 5);
	assert_int_equal(g.order[0], 1);
	assert_int_equal(g.order[1], 2);
	assert_int_equal(g.order[2], 0);
	assert_int_equal(g.order[3], 4);
	assert_int_equal(g.order[4], 5);
	/* None early. */
	for (int i = 0; i < g.n; i++)
		assert_true(g.when[i] >= c[g.order[i]].deadline);
	for (int i = 0; i < NT; i++)
		evloop_timer_free(t[i]);
	evloop_destroy(l);
	sem_destroy(&g.done);
}

static void test_timer_same_deadline(void **state)
{
	struct evloop *l;
	struct tlog g = { 0 };
	struct tctx c[4];
	struct evloop_timer *t[4];
	uint64_t d;

	(void)state;
	assert_int_equal(evloop_create(&l, "t-same"), 0);
	g.l = l;
	sem_init(&g.done, 0, 0);
	/* Equal deadlines fire in the order armed; one in the past fires
	 * at once. */
	d = evloop_now_ns() + 10 * MS;
	for (int i = 0; i < 4; i++) {
		c[i] = (struct tctx){ .log = &g, .id = i, .last = i == 3 };
		t[i] = evloop_timer_new(l, timer_fired, &c[i]);
	}
	evloop_timer_arm(t[2], d);
	evloop_timer_arm(t[0], d);
	evloop_timer_arm(t[3], d);
	evloop_timer_arm(t[1], 1); /* long past */
	assert_int_equal(evloop_start(l), 0);
	assert_true(wait_sem(&g.done));
	evloop_stop(l);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.order[0], 1);
	assert_int_equal(g.order[1], 2);
	assert_int_equal(g.order[2], 0);
	assert_int_equal(g.order[3], 3);
	for (int i = 0; i < 4; i++)
		evloop_timer_free(t[i]);
	evloop_destroy(l);
	sem_destroy(&g.done);
}

/*
 * A callback that re-arms its own timer for a time already past, over and
 * over, until an fd callback has run (the fd is not starved: a timer armed
 * during a turn waits for the next one), and that frees another timer due
 * at the same moment.
 */
#define REARM_CAP 100000

struct rearm {
	struct evloop *l;
	struct evloop_timer *self, *victim;
	struct probe *fd_probe;
	int wfd;
	int fired, victim_fired;
	sem_t done;
};

static void rearm_fired(void *ctx)
{
	struct rearm *r = ctx;

	/* The fd becomes ready only now, while the timer keeps firing. */
	if (r->fired++ == 0)
		assert_int_equal(write(r->wfd, "x", 1), 1);
	if (r->victim) {
		evloop_timer_free(r->victim);
		r->victim = NULL;
	}
	if (r->fd_probe->calls || r->fired >= REARM_CAP)
		sem_post(&r->done);
	else
		evloop_timer_arm(r->self, 1);
}

static void victim_fired(void *ctx)
{
	struct rearm *r = ctx;

	r->victim_fired++;
}

/* Proves fds still run while a timer keeps re-arming for the past. */
static void fd_seen(void *ctx, int fd, uint32_t events)
{
	struct probe *p = ctx;

	(void)events;
	probe_note(p);
	evloop_del_fd(p->l, fd);
	sem_post(&p->sem);
}

static void test_timer_rearm_free(void **state)
{
	struct evloop *l;
	struct rearm r = { 0 };
	struct probe p;
	uint64_t d;
	int pfd[2];

	(void)state;
	assert_int_equal(evloop_create(&l, "t-rearm"), 0);
	r.l = l;
	r.fd_probe = &p;
	sem_init(&r.done, 0, 0);
	probe_init(&p, l);
	assert_int_equal(pipe(pfd), 0);
	r.wfd = pfd[1];
	assert_int_equal(evloop_add_fd(l, pfd[0], EPOLLIN, fd_seen, &p), 0);
	r.self = evloop_timer_new(l, rearm_fired, &r);
	r.victim = evloop_timer_new(l, victim_fired, &r);
	d = evloop_now_ns() + 5 * MS;
	evloop_timer_arm(r.self, d);
	evloop_timer_arm(r.victim, d); /* after self: self frees it first */
	assert_int_equal(evloop_start(l), 0);
	assert_true(wait_sem(&r.done));
	assert_true(wait_sem(&p.sem));
	evloop_stop(l);
	assert_true(r.fired < REARM_CAP);
	assert_int_equal(r.victim_fired, 0);
	assert_int_equal(p.calls, 1);
	evloop_timer_free(r.self);
	evloop_timer_free(NULL);
	evloop_destroy(l);
	close(pfd[0]);
	close(pfd[1]);
	sem_destroy(&r.done);
}

/* Timers made and armed from the loop's thread after the start. */
struct late {
	struct evloop *l;
	struct evloop_timer *t;
	struct tlog g;
	struct tctx c;
};

static void late_arm(void *ctx)
{
	struct late *s = ctx;

	s->t = evloop_timer_new(s->l, timer_fired, &s->c);
	evloop_timer_arm(s->t, s->c.deadline);
}

static void test_timer_after_start(void **state)
{
	struct evloop *l;
	struct late s = { 0 };

	(void)state;
	assert_int_equal(evloop_create(&l, "t-late"), 0);
	s.l = l;
	s.g.l = l;
	sem_init(&s.g.done, 0, 0);
	s.c = (struct tctx){ .log = &s.g, .id = 7, .last = true };
	assert_int_equal(evloop_start(l), 0);
	s.c.deadline = evloop_now_ns() + 20 * MS;
	assert_int_equal(evloop_call(l, late_arm, &s), 0);
	assert_true(wait_sem(&s.g.done));
	assert_int_equal(s.g.n, 1);
	assert_true(s.g.when[0] >= s.c.deadline);
	evloop_stop(l);
	evloop_timer_free(s.t);
	evloop_destroy(l);
	sem_destroy(&s.g.done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_destroy),
		cmocka_unit_test(test_call_before_start),
		cmocka_unit_test(test_call_on_loop),
		cmocka_unit_test(test_call_from_loop),
		cmocka_unit_test(test_call_threads),
		cmocka_unit_test(test_stop_pending),
		cmocka_unit_test(test_stop_from_loop),
		cmocka_unit_test(test_fd),
		cmocka_unit_test(test_fd_mod),
		cmocka_unit_test(test_fd_del_in_batch),
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_timer_same_deadline),
		cmocka_unit_test(test_timer_rearm_free),
		cmocka_unit_test(test_timer_after_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
