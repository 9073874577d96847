/*
 * null_loop.c -- the least a C client can do per sequential NULL call over TCP, two ways, to ask
 * whether fewer system calls per round trip would buy an awaited client its parity
 * (docs/performance.md, ninth round):
 *
 *   plain: one write(2) of a hand-built 44-byte call, one blocking read(2) of the reply;
 *   uring: the send and the receive as two linked io_uring requests, submitted and waited for
 *          with one io_uring_enter(2) per call (single issuer, deferred task work).
 *
 * Every reply is checked (record mark, xid, REPLY, MSG_ACCEPTED, SUCCESS); anything else ends
 * the run with exit status 1. Needs liburing (Debian: liburing-dev):
 *
 *   gcc -O2 -o null_loop null_loop.c -luring
 *   taskset -c 0 ./null_loop PORT plain|uring SECONDS     (2 s of warm-up first)
 *
 * against bench_svc (tests/TestData/c) on the same CPU; prints "MODE N calls/s".
 */
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { CallLength = 44, ReplyLength = 28 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void put(unsigned char *b, unsigned v)
{
    b[0] = v >> 24; b[1] = v >> 16; b[2] = v >> 8; b[3] = v;
}

static unsigned get(const unsigned char *b)
{
    return (unsigned)b[0] << 24 | (unsigned)b[1] << 16 | (unsigned)b[2] << 8 | b[3];
}

/* A whole NULL reply to xid: mark (last fragment, 24 bytes), xid, REPLY, then zeros. */
static int reply_ok(const unsigned char *r, long n, unsigned xid)
{
    static const unsigned char zeros[16];
    return n == ReplyLength && get(r) == (0x80000000u | 24) && get(r + 4) == xid && get(r + 8) == 1
        && memcmp(r + 12, zeros, 16) == 0;
}

static int call_plain(int s, const unsigned char *call, unsigned char *reply, unsigned xid)
{
    if (write(s, call, CallLength) != CallLength)
        return 0;
    return reply_ok(reply, read(s, reply, 256), xid);
}

static int call_uring(struct io_uring *ring, int s, const unsigned char *call, unsigned char *reply, unsigned xid)
{
    struct io_uring_sqe *e = io_uring_get_sqe(ring);
    io_uring_prep_send(e, s, call, CallLength, 0);
    e->flags |= IOSQE_IO_LINK;
    e->user_data = 1;
    e = io_uring_get_sqe(ring);
    io_uring_prep_recv(e, s, reply, 256, 0);
    e->user_data = 2;
    if (io_uring_submit_and_wait(ring, 2) < 0)
        return 0;
    long received = -1;
    for (int seen = 0; seen < 2; seen++) {
        struct io_uring_cqe *c;
        if (io_uring_wait_cqe(ring, &c) < 0)
            return 0;
        if (c->user_data == 2)
            received = c->res;
        else if (c->res != CallLength)
            return 0;
        io_uring_cqe_seen(ring, c);
    }
    return reply_ok(reply, received, xid);
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[2], "plain") && strcmp(argv[2], "uring"))) {
        fprintf(stderr, "usage: %s PORT plain|uring SECONDS\n", argv[0]);
        return 2;
    }
    int uring = !strcmp(argv[2], "uring");
    double seconds = atof(argv[3]);
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(s, (struct sockaddr *)&a, sizeof a)) {
        perror("connect");
        return 1;
    }
    struct io_uring ring;
    if (uring && io_uring_queue_init(8, &ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN) < 0) {
        fprintf(stderr, "io_uring_queue_init failed\n");
        return 1;
    }
    unsigned char call[CallLength] = { 0 }, reply[256];
    put(call, 0x80000000u | (CallLength - 4));
    put(call + 12, 2);          /* RPC version */
    put(call + 16, 0x31234569); /* BENCH_PROG */
    put(call + 20, 1);          /* version 1, procedure 0, AUTH_NONE: zeros */
    unsigned xid = 0;
    long calls = 0;
    double warm_until = now() + 2, start = 0;
    for (;;) {
        put(call + 4, ++xid);
        if (!(uring ? call_uring(&ring, s, call, reply, xid) : call_plain(s, call, reply, xid))) {
            fprintf(stderr, "call %u failed or its reply was not a NULL SUCCESS\n", xid);
            return 1;
        }
        if ((++calls & 1023) == 0) {
            double t = now();
            if (start == 0 && t >= warm_until) {
                start = t;
                calls = 0;
            } else if (start != 0 && t - start >= seconds) {
                printf("%s %.0f calls/s\n", argv[2], calls / (t - start));
                return 0;
            }
        }
    }
}
