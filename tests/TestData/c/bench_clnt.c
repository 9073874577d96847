/*
 * bench_clnt.c -- closed-loop load generator for bench.x.
 *
 *   bench_clnt --host 127.0.0.1 --port N --transport tcp|udp
 *              --proc null|add|echo|record [--size N] [--threads T]
 *              [--seconds S] [--warmup S]
 *
 * Each thread owns one CLIENT* (one connection on TCP, one socket on UDP)
 * and issues the next call as soon as the previous reply arrives. Calls that
 * start during the warm-up are not measured. --size is the opaque length
 * for echo (default 64) and the number of samples and items for record
 * (default 16). One line of output:
 *
 *   calls=N secs=S cps=X mean_us=M p50_us=A p90_us=B p99_us=C max_us=D
 *   errors=E proc=P transport=T threads=T size=N
 *
 * Exit code 0 when at least one call was measured and none failed.
 */
#define _GNU_SOURCE
#include "bench.h"
#include "peer_common.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum bench_proc { P_NULL, P_ADD, P_ECHO, P_RECORD };

static struct peer_client_opts g_opts;
static enum bench_proc g_proc = P_NULL;
static const char *g_proc_name = "null";
static int g_size = -1, g_threads = 1;
static double g_seconds = 5.0, g_warmup = 1.0;
static pthread_barrier_t g_barrier;
static unsigned long long g_measure_start, g_measure_end;

struct worker {
    pthread_t thread;
    unsigned long long *lat; /* nanoseconds */
    size_t n, cap;
    unsigned long long errors;
    int ok;
};

static int parse_extra(int argc, char **argv, int i)
{
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (v == NULL)
        return 0;
    if (strcmp(a, "--proc") == 0) {
        g_proc_name = v;
        if (strcmp(v, "null") == 0) g_proc = P_NULL;
        else if (strcmp(v, "add") == 0) g_proc = P_ADD;
        else if (strcmp(v, "echo") == 0) g_proc = P_ECHO;
        else if (strcmp(v, "record") == 0) g_proc = P_RECORD;
        else peer_die("--proc: null, add, echo or record");
        return 2;
    }
    if (strcmp(a, "--size") == 0) { g_size = atoi(v); return 2; }
    if (strcmp(a, "--threads") == 0) { g_threads = atoi(v); return 2; }
    if (strcmp(a, "--seconds") == 0) { g_seconds = atof(v); return 2; }
    if (strcmp(a, "--warmup") == 0) { g_warmup = atof(v); return 2; }
    return 0;
}

/* One call of the chosen procedure; results are checked and freed. */
static enum clnt_stat one_call(CLIENT *clnt, struct timeval tv, bench_bytes *bytes, bench_record *rec, int seq)
{
    enum clnt_stat st;
    switch (g_proc) {
    case P_ADD: {
        add_args a = { seq, 1 };
        int r = 0;
        st = clnt_call(clnt, BENCH_ADD, (xdrproc_t)xdr_add_args, (caddr_t)&a, (xdrproc_t)xdr_int, (caddr_t)&r, tv);
        if (st == RPC_SUCCESS && r != (int)((unsigned)seq + 1u))
            st = RPC_CANTDECODERES;
        return st;
    }
    case P_ECHO: {
        bench_bytes r;
        memset(&r, 0, sizeof r);
        st = clnt_call(clnt, BENCH_ECHO, (xdrproc_t)xdr_bench_bytes, (caddr_t)bytes, (xdrproc_t)xdr_bench_bytes, (caddr_t)&r, tv);
        if (st == RPC_SUCCESS) {
            if (r.bench_bytes_len != bytes->bench_bytes_len)
                st = RPC_CANTDECODERES;
            xdr_free((xdrproc_t)xdr_bench_bytes, (char *)&r);
        }
        return st;
    }
    case P_RECORD: {
        bench_record r;
        memset(&r, 0, sizeof r);
        st = clnt_call(clnt, BENCH_ECHO_RECORD, (xdrproc_t)xdr_bench_record, (caddr_t)rec, (xdrproc_t)xdr_bench_record, (caddr_t)&r, tv);
        if (st == RPC_SUCCESS) {
            if (r.id != rec->id || r.items.items_len != rec->items.items_len)
                st = RPC_CANTDECODERES;
            xdr_free((xdrproc_t)xdr_bench_record, (char *)&r);
        }
        return st;
    }
    default:
        return clnt_call(clnt, BENCH_NULL, (xdrproc_t)xdr_void, NULL, (xdrproc_t)xdr_void, NULL, tv);
    }
}

static void *worker_main(void *p)
{
    struct worker *w = p;
    struct timeval tv;
    bench_bytes bytes;
    bench_record rec;
    int size = g_size >= 0 ? g_size : (g_proc == P_RECORD ? 16 : 64), i, seq = 0;
    CLIENT *clnt = peer_client_create(&g_opts, BENCH_PROG, BENCH_VER);

    tv.tv_sec = g_opts.timeout_ms / 1000;
    tv.tv_usec = (g_opts.timeout_ms % 1000) * 1000;
    bytes.bench_bytes_len = (u_int)size;
    bytes.bench_bytes_val = malloc((size_t)size + 1);
    memset(bytes.bench_bytes_val, 0x5a, (size_t)size + 1);
    memset(&rec, 0, sizeof rec);
    rec.id = 0x0123456789abcdefULL;
    rec.name = (char *)"benchmark record";
    rec.score = 98.6;
    rec.active = TRUE;
    memset(rec.tag, 0x42, sizeof rec.tag);
    rec.samples.samples_len = (u_int)size;
    rec.samples.samples_val = calloc((size_t)size + 1, sizeof(int));
    rec.items.items_len = (u_int)size;
    rec.items.items_val = calloc((size_t)size + 1, sizeof(bench_item));
    for (i = 0; i < size; i++) {
        rec.samples.samples_val[i] = i * 31;
        rec.items.items_val[i].key = (u_int)i;
        rec.items.items_val[i].value = (quad_t)i * 1000003;
    }
    w->ok = clnt != NULL;

    pthread_barrier_wait(&g_barrier); /* main sets the measurement window */
    pthread_barrier_wait(&g_barrier);

    while (w->ok) {
        unsigned long long t0 = peer_now_ns(), t1;
        enum clnt_stat st;
        if (t0 >= g_measure_end)
            break;
        st = one_call(clnt, tv, &bytes, &rec, seq++);
        t1 = peer_now_ns();
        if (t0 < g_measure_start)
            continue;
        if (st != RPC_SUCCESS) {
            char err[256];
            w->errors++;
            peer_format_error(clnt, st, err, sizeof err);
            if (w->errors <= 3)
                fprintf(stderr, "call failed: %s\n", err);
            /* A TCP client may be dead after an error: start over. */
            clnt_destroy(clnt);
            clnt = peer_client_create(&g_opts, BENCH_PROG, BENCH_VER);
            w->ok = clnt != NULL;
            continue;
        }
        if (w->n == w->cap) {
            w->cap = w->cap != 0 ? w->cap * 2 : 65536;
            w->lat = realloc(w->lat, w->cap * sizeof *w->lat);
        }
        w->lat[w->n++] = t1 - t0;
    }
    if (clnt != NULL)
        clnt_destroy(clnt);
    free(bytes.bench_bytes_val);
    free(rec.samples.samples_val);
    free(rec.items.items_val);
    return NULL;
}

static int cmp_ull(const void *a, const void *b)
{
    unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;
    return x < y ? -1 : x > y;
}

static double pct_us(const unsigned long long *v, size_t n, double q)
{
    size_t k;
    if (n == 0)
        return 0;
    k = (size_t)(q * (double)n);
    if (k >= n)
        k = n - 1;
    return (double)v[k] / 1000.0;
}

int main(int argc, char **argv)
{
    struct worker *w;
    unsigned long long *all, errors = 0, sum = 0;
    size_t total = 0, k;
    double secs;
    int i, failed_create = 0;

    peer_client_parse(argc, argv, &g_opts, parse_extra);
    if (g_threads < 1 || g_threads > 1024 || g_seconds <= 0 || g_warmup < 0)
        peer_die("--threads 1..1024, --seconds > 0, --warmup >= 0");
    w = calloc((size_t)g_threads, sizeof *w);
    pthread_barrier_init(&g_barrier, NULL, (unsigned)g_threads + 1);
    for (i = 0; i < g_threads; i++)
        pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
    pthread_barrier_wait(&g_barrier);
    g_measure_start = peer_now_ns() + (unsigned long long)(g_warmup * 1e9);
    g_measure_end = g_measure_start + (unsigned long long)(g_seconds * 1e9);
    pthread_barrier_wait(&g_barrier);
    for (i = 0; i < g_threads; i++) {
        pthread_join(w[i].thread, NULL);
        total += w[i].n;
        errors += w[i].errors;
        failed_create += !w[i].ok;
    }
    all = malloc((total > 0 ? total : 1) * sizeof *all);
    for (i = 0, k = 0; i < g_threads; i++) {
        memcpy(all + k, w[i].lat, w[i].n * sizeof *all);
        k += w[i].n;
        free(w[i].lat);
    }
    qsort(all, total, sizeof *all, cmp_ull);
    for (k = 0; k < total; k++)
        sum += all[k];
    secs = (double)(g_measure_end - g_measure_start) / 1e9;
    printf("calls=%zu secs=%.3f cps=%.1f mean_us=%.2f p50_us=%.2f p90_us=%.2f p99_us=%.2f max_us=%.2f "
           "errors=%llu proc=%s transport=%s threads=%d size=%d\n",
           total, secs, (double)total / secs, total > 0 ? (double)sum / (double)total / 1000.0 : 0.0,
           pct_us(all, total, 0.50), pct_us(all, total, 0.90), pct_us(all, total, 0.99),
           total > 0 ? (double)all[total - 1] / 1000.0 : 0.0,
           errors, g_proc_name, g_opts.transport, g_threads,
           g_size >= 0 ? g_size : (g_proc == P_RECORD ? 16 : 64));
    fflush(stdout);
    free(all);
    free(w);
    return total > 0 && errors == 0 && failed_create == 0 ? 0 : 1;
}
