/*
 * touch_before_write.c -- an LD_PRELOAD shim that gives a C program a bigger memory footprint per
 * call: before every write(2) it reads one byte of each 64-byte line of a private buffer of
 * TOUCH_KB KiB (0 by default). Used to measure what a client's footprint costs both sides of a
 * round trip when client and server share one CPU (docs/performance.md, eighth round):
 *
 *   gcc -O2 -shared -fPIC -o touch_before_write.so touch_before_write.c -ldl
 *   TOUCH_KB=32 LD_PRELOAD=$PWD/touch_before_write.so taskset -c 0 bench_clnt ...
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

static char *buffer;
static size_t length;
static volatile char sink;
static ssize_t (*real_write)(int, const void *, size_t);

__attribute__((constructor)) static void init(void)
{
    const char *kb = getenv("TOUCH_KB");
    length = kb ? (size_t)atoi(kb) * 1024 : 0;
    buffer = malloc(length + 64);
    for (size_t i = 0; buffer && i < length; i++)
        buffer[i] = (char)i;
    real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
}

ssize_t write(int fd, const void *data, size_t count)
{
    char sum = 0;
    for (size_t i = 0; buffer && i < length; i += 64)
        sum += buffer[i];
    sink = sum;
    return real_write(fd, data, count);
}
