/*
 * epoll_ready.c -- what an epoll_wait(2) that finds its socket ready adds to a receive: one
 * thread writes 28 bytes into one end of a loopback TCP connection and reads them from the other,
 * with and without an edge-triggered epoll_wait in between (the shape of an awaited call's read on
 * an event loop, against a blocking caller's). Nothing blocks. docs/performance.md, ninth round:
 *
 *   gcc -O2 -o epoll_ready epoll_ready.c && taskset -c 0 ./epoll_ready
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof a;
    int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (bind(listener, (struct sockaddr *)&a, sizeof a) || getsockname(listener, (struct sockaddr *)&a, &length) || listen(listener, 1))
        return perror("listen"), 1;
    int reader = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(reader, (struct sockaddr *)&a, sizeof a))
        return perror("connect"), 1;
    int writer = accept(listener, 0, 0);
    setsockopt(reader, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(writer, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(reader, F_SETFL, O_NONBLOCK);
    int ep = epoll_create1(0);
    struct epoll_event interest = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET }, ready[64];
    epoll_ctl(ep, EPOLL_CTL_ADD, reader, &interest);
    char bytes[64] = { 0 };
    const int n = 300000;
    for (int round = 0; round < 4; round++) {
        int with_epoll = round & 1;
        double start = now();
        for (int i = 0; i < n; i++) {
            if (write(writer, bytes, 28) != 28)
                return perror("write"), 1;
            if (with_epoll && epoll_wait(ep, ready, 64, -1) != 1)
                return perror("epoll_wait"), 1;
            if (read(reader, bytes, sizeof bytes) != 28)
                return perror("read"), 1;
        }
        printf("%-24s %.0f ns per round\n", with_epoll ? "write, epoll_wait, read" : "write, read", (now() - start) * 1e9 / n);
    }
    return 0;
}
