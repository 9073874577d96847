/*
 * peer_common.c -- see peer_common.h.
 */
#define _GNU_SOURCE
#include "peer_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <rpc/rpcb_clnt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

void peer_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

unsigned long long peer_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

static int parse_int(const char *opt, const char *value)
{
    char *end;
    long v;
    if (value == NULL)
        peer_die("%s needs a value", opt);
    errno = 0;
    v = strtol(value, &end, 0);
    if (errno != 0 || *end != '\0' || v < 0 || v > 0x7fffffff)
        peer_die("%s: not a number: %s", opt, value);
    return (int)v;
}

/* ---- servers ---------------------------------------------------------- */

void peer_server_parse(int argc, char **argv, struct peer_server_opts *opts,
                       int (*extra)(int argc, char **argv, int i))
{
    int i;
    memset(opts, 0, sizeof *opts);
    opts->tcp = opts->udp = 1;
    opts->lifetime = 600;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--port") == 0) {
            opts->port = parse_int(a, v);
            i++;
        } else if (strcmp(a, "--transport") == 0) {
            if (v == NULL)
                peer_die("--transport needs tcp, udp or both");
            opts->tcp = strcmp(v, "tcp") == 0 || strcmp(v, "both") == 0;
            opts->udp = strcmp(v, "udp") == 0 || strcmp(v, "both") == 0;
            if (!opts->tcp && !opts->udp && strcmp(v, "none") != 0)
                peer_die("--transport: tcp, udp, both or none, not %s", v);
            i++;
        } else if (strcmp(a, "--unix") == 0) {
            if (v == NULL || strlen(v) >= sizeof(((struct sockaddr_un *)0)->sun_path))
                peer_die("--unix needs a socket path shorter than 108 bytes");
            opts->unix_path = v;
            i++;
        } else if (strcmp(a, "--rpcbind") == 0) {
            opts->rpcbind = 1;
        } else if (strcmp(a, "--lifetime") == 0) {
            opts->lifetime = parse_int(a, v);
            i++;
        } else if (strcmp(a, "--udp-bufsize") == 0) {
            opts->udp_bufsize = parse_int(a, v);
            i++;
        } else {
            int used = extra != NULL ? extra(argc, argv, i) : 0;
            if (used <= 0)
                peer_die("unknown option %s (common: --port N --transport tcp|udp|both|none "
                         "[--unix PATH] [--rpcbind] [--lifetime S] [--udp-bufsize N])", a);
            i += used - 1;
        }
    }
    if (opts->port > 65535)
        peer_die("--port out of range");
    if (!opts->tcp && !opts->udp && opts->unix_path == NULL)
        peer_die("--transport none needs --unix PATH");
}

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int bind_loopback(int type, int port)
{
    struct sockaddr_in sin;
    int fd = socket(AF_INET, type, 0);
    if (fd < 0)
        return -1;
    if (type == SOCK_STREAM) {
        /* Restarted servers rebind over TIME_WAIT; UDP gets no SO_REUSEADDR
         * because on Linux it would let two servers share a port. */
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0
        || (type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int local_port(int fd)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
        return -1;
    return ntohs(sin.sin_port);
}

static int rpcbind_set(const struct peer_program *p, const char *netid, int port)
{
    char uaddr[64];
    struct netconfig *nconf = getnetconfigent(netid);
    struct netbuf *nb;
    int ok;
    if (nconf == NULL)
        return 0;
    snprintf(uaddr, sizeof uaddr, "127.0.0.1.%d.%d", (port >> 8) & 0xff, port & 0xff);
    nb = uaddr2taddr(nconf, uaddr);
    ok = nb != NULL && rpcb_set(p->prog, p->vers, nconf, nb);
    if (nb != NULL) {
        free(nb->buf);
        free(nb);
    }
    freenetconfigent(nconf);
    return ok;
}

int peer_serve(const struct peer_server_opts *opts,
               const struct peer_program *programs, int nprograms)
{
    int tcp_fd = -1, udp_fd = -1, unix_fd = -1, tcp_port = 0, udp_port = 0, i;
    SVCXPRT *tcp_x = NULL, *udp_x = NULL, *unix_x = NULL;
    unsigned long long deadline;
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll must return EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (opts->tcp) {
        tcp_fd = bind_loopback(SOCK_STREAM, opts->port);
        if (tcp_fd < 0) {
            fprintf(stderr, "cannot bind tcp 127.0.0.1:%d: %s\n", opts->port, strerror(errno));
            return 1;
        }
        tcp_port = local_port(tcp_fd);
        tcp_x = svc_vc_create(tcp_fd, 0, 0);
        if (tcp_x == NULL) {
            fprintf(stderr, "svc_vc_create failed\n");
            return 1;
        }
    }
    if (opts->udp) {
        /* Port 0 and both transports: try to give UDP the TCP port number. */
        int want = opts->port != 0 ? opts->port : tcp_port;
        udp_fd = bind_loopback(SOCK_DGRAM, want);
        if (udp_fd < 0 && opts->port == 0)
            udp_fd = bind_loopback(SOCK_DGRAM, 0);
        if (udp_fd < 0) {
            fprintf(stderr, "cannot bind udp 127.0.0.1:%d: %s\n", want, strerror(errno));
            return 1;
        }
        udp_port = local_port(udp_fd);
        udp_x = svc_dg_create(udp_fd, (u_int)opts->udp_bufsize, (u_int)opts->udp_bufsize);
        if (udp_x == NULL) {
            fprintf(stderr, "svc_dg_create failed\n");
            return 1;
        }
    }

    if (opts->unix_path != NULL) {
        struct sockaddr_un sun;
        memset(&sun, 0, sizeof sun);
        sun.sun_family = AF_UNIX;
        strncpy(sun.sun_path, opts->unix_path, sizeof sun.sun_path - 1);
        unlink(opts->unix_path);
        unix_fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (unix_fd < 0 || bind(unix_fd, (struct sockaddr *)&sun, sizeof sun) < 0 || listen(unix_fd, SOMAXCONN) < 0) {
            fprintf(stderr, "cannot listen on unix %s: %s\n", opts->unix_path, strerror(errno));
            return 1;
        }
        unix_x = svc_vc_create(unix_fd, 0, 0);
        if (unix_x == NULL) {
            fprintf(stderr, "svc_vc_create (unix) failed\n");
            return 1;
        }
    }

    for (i = 0; i < nprograms; i++) {
        const struct peer_program *p = &programs[i];
        /* protocol 0: svc_register does not call pmap_set, rpcbind is not contacted. */
        if ((tcp_x != NULL && !svc_register(tcp_x, p->prog, p->vers, p->dispatch, 0))
            || (udp_x != NULL && !svc_register(udp_x, p->prog, p->vers, p->dispatch, 0))
            || (unix_x != NULL && !svc_register(unix_x, p->prog, p->vers, p->dispatch, 0))) {
            fprintf(stderr, "svc_register %lu/%lu failed\n", (unsigned long)p->prog, (unsigned long)p->vers);
            return 1;
        }
        if (opts->rpcbind) {
            rpcb_unset(p->prog, p->vers, NULL);
            if ((tcp_x != NULL && !rpcbind_set(p, "tcp", tcp_port))
                || (udp_x != NULL && !rpcbind_set(p, "udp", udp_port))) {
                fprintf(stderr, "rpcb_set %lu/%lu failed (is rpcbind running?)\n",
                        (unsigned long)p->prog, (unsigned long)p->vers);
                return 1;
            }
        }
    }

    printf("READY %d %d\n", tcp_port, udp_port);
    fflush(stdout);

    /* svc_run, with a way out: a signal or the lifetime ends the loop so the
     * rpcbind registrations can be removed and no peer outlives its test. */
    deadline = peer_now_ns() + (unsigned long long)opts->lifetime * 1000000000ULL;
    while (!g_stop && peer_now_ns() < deadline) {
        int n = svc_max_pollfd, r;
        struct pollfd *fds = malloc(sizeof *fds * (size_t)(n > 0 ? n : 1));
        if (fds == NULL)
            break;
        memcpy(fds, svc_pollfd, sizeof *fds * (size_t)n);
        r = poll(fds, (nfds_t)n, 200);
        if (r > 0)
            svc_getreq_poll(fds, r);
        else if (r < 0 && errno != EINTR) {
            perror("poll");
            free(fds);
            break;
        }
        free(fds);
    }

    if (opts->rpcbind)
        for (i = 0; i < nprograms; i++)
            rpcb_unset(programs[i].prog, programs[i].vers, NULL);
    if (tcp_x != NULL)
        svc_destroy(tcp_x);
    if (udp_x != NULL)
        svc_destroy(udp_x);
    if (unix_x != NULL) {
        svc_destroy(unix_x);
        unlink(opts->unix_path);
    }
    fprintf(stderr, "server exiting (%s)\n", g_stop ? "signal" : "lifetime");
    return 0;
}

/* ---- clients ---------------------------------------------------------- */

int peer_client_parse(int argc, char **argv, struct peer_client_opts *opts,
                      int (*extra)(int argc, char **argv, int i))
{
    int i;
    memset(opts, 0, sizeof *opts);
    opts->host = "127.0.0.1";
    opts->transport = "tcp";
    opts->timeout_ms = 5000;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--") == 0)
            return i + 1;
        if (strncmp(a, "--", 2) != 0)
            return i;
        if (strcmp(a, "--host") == 0) {
            if (v == NULL)
                peer_die("--host needs a value");
            opts->host = v;
            i++;
        } else if (strcmp(a, "--port") == 0) {
            opts->port = parse_int(a, v);
            i++;
        } else if (strcmp(a, "--transport") == 0) {
            if (v == NULL || (strcmp(v, "tcp") != 0 && strcmp(v, "udp") != 0 && strcmp(v, "unix") != 0))
                peer_die("--transport: tcp, udp or unix");
            opts->transport = v;
            i++;
        } else if (strcmp(a, "--unix") == 0) {
            if (v == NULL || strlen(v) >= sizeof(((struct sockaddr_un *)0)->sun_path))
                peer_die("--unix needs a socket path shorter than 108 bytes");
            opts->unix_path = v;
            i++;
        } else if (strcmp(a, "--timeout-ms") == 0) {
            opts->timeout_ms = parse_int(a, v);
            i++;
        } else if (strcmp(a, "--auth") == 0) {
            if (v == NULL || (strcmp(v, "none") != 0 && strcmp(v, "sys") != 0))
                peer_die("--auth: none or sys");
            opts->auth_sys = strcmp(v, "sys") == 0;
            i++;
        } else if (strcmp(a, "--bufsize") == 0) {
            opts->bufsize = parse_int(a, v);
            i++;
        } else {
            int used = extra != NULL ? extra(argc, argv, i) : 0;
            if (used <= 0)
                peer_die("unknown option %s (common: --host H --port N --transport tcp|udp|unix "
                         "[--unix PATH] [--timeout-ms MS] [--auth none|sys] [--bufsize N])", a);
            i += used - 1;
        }
    }
    return i;
}

CLIENT *peer_client_create(const struct peer_client_opts *opts, rpcprog_t prog, rpcvers_t vers)
{
    CLIENT *clnt;
    struct timeval tv;
    int udp = strcmp(opts->transport, "udp") == 0;

    if (strcmp(opts->transport, "unix") == 0) {
        /* netid local: a Unix stream socket with record marking. */
        static struct sockaddr_un sun;
        struct netbuf nb;
        int fd;
        if (opts->unix_path == NULL) {
            fprintf(stderr, "--transport unix needs --unix PATH\n");
            return NULL;
        }
        memset(&sun, 0, sizeof sun);
        sun.sun_family = AF_UNIX;
        strncpy(sun.sun_path, opts->unix_path, sizeof sun.sun_path - 1);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
            fprintf(stderr, "client create: cannot connect to unix %s: %s\n", opts->unix_path, strerror(errno));
            if (fd >= 0)
                close(fd);
            return NULL;
        }
        nb.len = nb.maxlen = sizeof sun;
        nb.buf = &sun;
        clnt = clnt_vc_create(fd, &nb, prog, vers, 0, 0);
        if (clnt != NULL)
            clnt_control(clnt, CLSET_FD_CLOSE, NULL);
        else
            close(fd);
    } else if (opts->port > 0) {
        struct sockaddr_in sin;
        int sock = RPC_ANYSOCK;
        const char *host = strcmp(opts->host, "localhost") == 0 ? "127.0.0.1" : opts->host;
        memset(&sin, 0, sizeof sin);
        sin.sin_family = AF_INET;
        sin.sin_port = htons((unsigned short)opts->port);
        if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
            fprintf(stderr, "not an IPv4 address: %s\n", opts->host);
            return NULL;
        }
        if (udp) {
            /* Retransmit every 500 ms until the total timeout. */
            struct timeval wait = { 0, 500000 };
            u_int size = opts->bufsize > 0 ? (u_int)opts->bufsize : 65000;
            clnt = clntudp_bufcreate(&sin, prog, vers, wait, &sock, size, size);
        } else {
            clnt = clnttcp_create(&sin, prog, vers, &sock, 0, 0);
        }
    } else {
        clnt = clnt_create(opts->host, prog, vers, opts->transport);
    }
    if (clnt == NULL) {
        fprintf(stderr, "%s\n", clnt_spcreateerror("client create"));
        return NULL;
    }
    tv.tv_sec = opts->timeout_ms / 1000;
    tv.tv_usec = (opts->timeout_ms % 1000) * 1000;
    clnt_control(clnt, CLSET_TIMEOUT, (char *)&tv);
    if (opts->auth_sys) {
        auth_destroy(clnt->cl_auth);
        clnt->cl_auth = authunix_create_default();
    }
    return clnt;
}

const char *peer_clnt_stat_name(enum clnt_stat stat)
{
    switch (stat) {
    case RPC_SUCCESS: return "RPC_SUCCESS";
    case RPC_CANTENCODEARGS: return "RPC_CANTENCODEARGS";
    case RPC_CANTDECODERES: return "RPC_CANTDECODERES";
    case RPC_CANTSEND: return "RPC_CANTSEND";
    case RPC_CANTRECV: return "RPC_CANTRECV";
    case RPC_TIMEDOUT: return "RPC_TIMEDOUT";
    case RPC_VERSMISMATCH: return "RPC_VERSMISMATCH";
    case RPC_AUTHERROR: return "RPC_AUTHERROR";
    case RPC_PROGUNAVAIL: return "RPC_PROGUNAVAIL";
    case RPC_PROGVERSMISMATCH: return "RPC_PROGVERSMISMATCH";
    case RPC_PROCUNAVAIL: return "RPC_PROCUNAVAIL";
    case RPC_CANTDECODEARGS: return "RPC_CANTDECODEARGS";
    case RPC_SYSTEMERROR: return "RPC_SYSTEMERROR";
    case RPC_UNKNOWNHOST: return "RPC_UNKNOWNHOST";
    case RPC_UNKNOWNPROTO: return "RPC_UNKNOWNPROTO";
    case RPC_UNKNOWNADDR: return "RPC_UNKNOWNADDR";
    case RPC_NOBROADCAST: return "RPC_NOBROADCAST";
    case RPC_RPCBFAILURE: return "RPC_RPCBFAILURE";
    case RPC_PROGNOTREGISTERED: return "RPC_PROGNOTREGISTERED";
    case RPC_N2AXLATEFAILURE: return "RPC_N2AXLATEFAILURE";
    case RPC_TLIERROR: return "RPC_TLIERROR";
    case RPC_FAILED: return "RPC_FAILED";
    case RPC_INTR: return "RPC_INTR";
    case RPC_UDERROR: return "RPC_UDERROR";
    case RPC_INPROGRESS: return "RPC_INPROGRESS";
    case RPC_STALERACHANDLE: return "RPC_STALERACHANDLE";
    case RPC_CANTCONNECT: return "RPC_CANTCONNECT";
    case RPC_XPRTFAILED: return "RPC_XPRTFAILED";
    case RPC_CANTCREATESTREAM: return "RPC_CANTCREATESTREAM";
    }
    return "RPC_UNKNOWN";
}

const char *peer_auth_stat_name(enum auth_stat stat)
{
    switch (stat) {
    case AUTH_OK: return "AUTH_OK";
    case AUTH_BADCRED: return "AUTH_BADCRED";
    case AUTH_REJECTEDCRED: return "AUTH_REJECTEDCRED";
    case AUTH_BADVERF: return "AUTH_BADVERF";
    case AUTH_REJECTEDVERF: return "AUTH_REJECTEDVERF";
    case AUTH_TOOWEAK: return "AUTH_TOOWEAK";
    case AUTH_INVALIDRESP: return "AUTH_INVALIDRESP";
    case AUTH_FAILED: return "AUTH_FAILED";
    case AUTH_KERB_GENERIC: return "AUTH_KERB_GENERIC";
    case AUTH_TIMEEXPIRE: return "AUTH_TIMEEXPIRE";
    case AUTH_TKT_FILE: return "AUTH_TKT_FILE";
    case AUTH_DECODE: return "AUTH_DECODE";
    case AUTH_NET_ADDR: return "AUTH_NET_ADDR";
    case RPCSEC_GSS_CREDPROBLEM: return "RPCSEC_GSS_CREDPROBLEM";
    case RPCSEC_GSS_CTXPROBLEM: return "RPCSEC_GSS_CTXPROBLEM";
    }
    return "AUTH_UNKNOWN";
}

void peer_format_error(CLIENT *clnt, enum clnt_stat stat, char *buf, size_t len)
{
    struct rpc_err err;
    int n;
    memset(&err, 0, sizeof err);
    err.re_status = stat;
    if (clnt != NULL)
        clnt_geterr(clnt, &err);
    n = snprintf(buf, len, "stat=%s(%d)", peer_clnt_stat_name(stat), (int)stat);
    if (n < 0 || (size_t)n >= len)
        return;
    switch (stat) {
    case RPC_VERSMISMATCH:
    case RPC_PROGVERSMISMATCH:
        snprintf(buf + n, len - (size_t)n, " low=%lu high=%lu",
                 (unsigned long)err.re_vers.low, (unsigned long)err.re_vers.high);
        break;
    case RPC_AUTHERROR:
        snprintf(buf + n, len - (size_t)n, " why=%s(%d)", peer_auth_stat_name(err.re_why), (int)err.re_why);
        break;
    case RPC_CANTSEND:
    case RPC_CANTRECV:
    case RPC_SYSTEMERROR:
        snprintf(buf + n, len - (size_t)n, " errno=%d", err.re_errno);
        break;
    default:
        break;
    }
}

static int g_ok, g_fail;

void peer_ok(const char *name, const char *fmt, ...)
{
    g_ok++;
    printf("ok %s", name);
    if (fmt != NULL && *fmt != '\0') {
        va_list ap;
        va_start(ap, fmt);
        putchar(' ');
        vprintf(fmt, ap);
        va_end(ap);
    }
    putchar('\n');
    fflush(stdout);
}

void peer_fail(const char *name, const char *fmt, ...)
{
    g_fail++;
    printf("fail %s", name);
    if (fmt != NULL && *fmt != '\0') {
        va_list ap;
        va_start(ap, fmt);
        putchar(' ');
        vprintf(fmt, ap);
        va_end(ap);
    }
    putchar('\n');
    fflush(stdout);
}

int peer_summary(void)
{
    printf("summary ok=%d fail=%d\n", g_ok, g_fail);
    fflush(stdout);
    return g_fail == 0 ? 0 : 1;
}
