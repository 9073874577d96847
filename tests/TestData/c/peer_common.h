/*
 * peer_common.h -- shared plumbing of the C reference peers (libtirpc).
 *
 * Servers bind their own sockets on 127.0.0.1 and register their programs
 * with protocol 0, so rpcbind is never contacted unless --rpcbind is given.
 * Once listening they print "READY <tcpport> <udpport>" (0 for a transport
 * not served) on stdout and flush it. --unix PATH adds a Unix stream socket
 * (libtirpc's netid "local"); --transport none serves only that.
 *
 * Clients call a fixed port (clnttcp_create / clntudp_bufcreate on a
 * sockaddr_in) unless --port is 0 or absent, where they ask rpcbind
 * (clnt_create); --transport unix --unix PATH uses clnt_vc_create on a Unix
 * stream socket. Every result line is "ok NAME [key=value...]" or
 * "fail NAME key=value...", last line "summary ok=N fail=M"; exit code 0
 * when nothing failed.
 */
#ifndef PEER_COMMON_H
#define PEER_COMMON_H

#include <rpc/rpc.h>
#include <stdio.h>

/* ---- servers ---------------------------------------------------------- */

struct peer_server_opts {
    int port;            /* 0: pick a free port */
    int tcp;             /* serve TCP */
    int udp;             /* serve UDP */
    int rpcbind;         /* register with the local rpcbind */
    int lifetime;        /* seconds before the server exits by itself */
    int udp_bufsize;     /* 0: libtirpc default (UDPMSGSIZE, 8800) */
    const char *unix_path; /* also serve a Unix stream socket here (netid local) */
};

/* One program version to register on every transport. */
struct peer_program {
    rpcprog_t prog;
    rpcvers_t vers;
    void (*dispatch)(struct svc_req *, SVCXPRT *);
};

/* Parses the common server options; unknown options are passed to extra()
 * (returns the number of argv entries it consumed, 0 if unknown). */
void peer_server_parse(int argc, char **argv, struct peer_server_opts *opts,
                       int (*extra)(int argc, char **argv, int i));

/* Creates the transports, registers every program, prints READY, and serves
 * until SIGTERM/SIGINT or the lifetime ends. Returns the exit code. */
int peer_serve(const struct peer_server_opts *opts,
               const struct peer_program *programs, int nprograms);

/* ---- clients ---------------------------------------------------------- */

struct peer_client_opts {
    const char *host;    /* default 127.0.0.1 */
    int port;            /* 0: ask rpcbind */
    const char *transport; /* "tcp", "udp" or "unix" */
    const char *unix_path; /* --unix PATH: the socket for transport "unix" */
    int timeout_ms;      /* total call timeout */
    int auth_sys;        /* use AUTH_SYS credentials instead of AUTH_NONE */
    int bufsize;         /* UDP send/receive buffer (0: 65000) */
};

/* Parses the common client options; unknown options go to extra(); the
 * first non-option argument index is returned. */
int peer_client_parse(int argc, char **argv, struct peer_client_opts *opts,
                      int (*extra)(int argc, char **argv, int i));

/* Creates a client for prog/vers; NULL (with a message on stderr) on failure. */
CLIENT *peer_client_create(const struct peer_client_opts *opts,
                           rpcprog_t prog, rpcvers_t vers);

/* The enum name of a clnt_stat / auth_stat, e.g. "RPC_PROGVERSMISMATCH". */
const char *peer_clnt_stat_name(enum clnt_stat stat);
const char *peer_auth_stat_name(enum auth_stat stat);

/* Formats the client's last error as "stat=NAME(n) [low=L high=H] [why=NAME(n)]". */
void peer_format_error(CLIENT *clnt, enum clnt_stat stat, char *buf, size_t len);

/* Result lines and the closing summary. */
void peer_ok(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void peer_fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int peer_summary(void); /* prints "summary ok=N fail=M"; returns exit code */

/* Monotonic clock in nanoseconds. */
unsigned long long peer_now_ns(void);

/* Prints usage-style error and exits with code 2. */
void peer_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
