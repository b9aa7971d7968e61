/*
 * pipe.c: an ordered work pipeline for imports. Parsing a feed record with
 * jansson costs more than storing it, so worker threads parse while the
 * importing thread stores: items go in in order, `work` runs on a worker,
 * and the caller takes finished items back in the same order (the DB is
 * written by one thread, deterministically). With no threads (one CPU, or
 * thread creation failing) work runs inline and the behaviour is the same.
 */
#include "vulndb/vulndb_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/banned.h"

#define PIPE_SLOTS 128 /* items in flight: bounds memory to ~128 records */
#define PIPE_MAX_THREADS 4

enum slot_state { SLOT_EMPTY, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE };

struct ks_vdb_pipe {
    void (*work)(void *item);
    pthread_t threads[PIPE_MAX_THREADS];
    int n_threads;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    void *items[PIPE_SLOTS];
    enum slot_state state[PIPE_SLOTS];
    uint64_t head;      /* next slot to fill */
    uint64_t next_work; /* next queued slot a worker takes */
    uint64_t tail;      /* next slot to hand back */
    bool stop;
};

static void *
worker(void *arg)
{
    struct ks_vdb_pipe *p = arg;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->next_work == p->head)
            pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->stop)
            break;
        uint64_t i = p->next_work++;
        void *item = p->items[i % PIPE_SLOTS];

        p->state[i % PIPE_SLOTS] = SLOT_BUSY;
        pthread_mutex_unlock(&p->mu);
        p->work(item);
        pthread_mutex_lock(&p->mu);
        p->state[i % PIPE_SLOTS] = SLOT_DONE;
        pthread_cond_broadcast(&p->cv_done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Worker threads for this machine: one per CPU beyond the importing thread's, */
/* at least one, at most PIPE_MAX_THREADS; KENSA_IMPORT_THREADS overrides.      */
static int
thread_count(void)
{
    const char *env = getenv("KENSA_IMPORT_THREADS");
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    uint64_t v;

    if (env != NULL && ks_parse_u64(ks_str_c(env), PIPE_MAX_THREADS, &v) == KS_OK)
        return (int)v;
    if (n < 2)
        return 0;
    return (int)KS_MIN(n, PIPE_MAX_THREADS);
}

struct ks_vdb_pipe *
ks_vdb_pipe_new(void (*work)(void *item))
{
    struct ks_vdb_pipe *p = ks_calloc(1, sizeof(*p));
    int want = thread_count();

    if (p == NULL)
        return NULL;
    p->work = work;
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        ks_free(p);
        return NULL;
    }
    pthread_cond_init(&p->cv_work, NULL);
    pthread_cond_init(&p->cv_done, NULL);
    for (int i = 0; i < want; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
            break; /* fewer threads (or none: inline) */
        p->n_threads++;
    }
    return p;
}

bool
ks_vdb_pipe_full(const struct ks_vdb_pipe *p)
{
    return p->head - p->tail >= PIPE_SLOTS;
}

void
ks_vdb_pipe_push(struct ks_vdb_pipe *p, void *item)
{
    if (p->n_threads == 0) {
        p->work(item);
        p->items[p->head % PIPE_SLOTS] = item;
        p->state[p->head % PIPE_SLOTS] = SLOT_DONE;
        p->head++;
        p->next_work = p->head;
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->items[p->head % PIPE_SLOTS] = item;
    p->state[p->head % PIPE_SLOTS] = SLOT_QUEUED;
    p->head++;
    pthread_cond_signal(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
}

void *
ks_vdb_pipe_take(struct ks_vdb_pipe *p, bool wait)
{
    void *item = NULL;

    if (p->tail == p->head)
        return NULL;
    if (p->n_threads > 0)
        pthread_mutex_lock(&p->mu);
    while (p->state[p->tail % PIPE_SLOTS] != SLOT_DONE) {
        if (!wait) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        pthread_cond_wait(&p->cv_done, &p->mu);
    }
    item = p->items[p->tail % PIPE_SLOTS];
    p->state[p->tail % PIPE_SLOTS] = SLOT_EMPTY;
    p->tail++;
    if (p->n_threads > 0)
        pthread_mutex_unlock(&p->mu);
    return item;
}

void
ks_vdb_pipe_free(struct ks_vdb_pipe *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->cv_work);
    pthread_cond_destroy(&p->cv_done);
    pthread_mutex_destroy(&p->mu);
    ks_free(p);
}
