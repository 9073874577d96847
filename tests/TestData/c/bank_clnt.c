/*
 * bank_clnt.c -- libtirpc client for bank.x, for the at-most-once tests.
 *
 *   bank_clnt HOST PORT udp|tcp ACCOUNT COUNT [RETRY_MS] [TOTAL_MS]
 *
 * Makes COUNT DEPOSITs of 1 to ACCOUNT on a fixed port (clntudp_bufcreate /
 * clnttcp_create on a sockaddr_in, no rpcbind). Over UDP libtirpc retransmits
 * every RETRY_MS (default 10; CLSET_RETRY_TIMEOUT) until the call's total
 * timeout TOTAL_MS (default 200; CLSET_TIMEOUT) ends it with RPC_TIMEDOUT.
 *
 * A timed-out deposit is then made again with the SAME xid, until a reply
 * acknowledges it: libtirpc gives every clnt_call a new xid, but CLGET_XID
 * reads the xid of the call just made and CLSET_XID sets the xid of the next
 * one. So each deposit is acknowledged exactly once from the client's view,
 * and a server with a duplicate-request cache executes it exactly once.
 *
 * Also retried the same way, because they mean "the call may not have
 * arrived": over UDP, RPC_CANTRECV with ECONNREFUSED (an ICMP port
 * unreachable: the server is restarting); over TCP, RPC_CANTSEND and
 * RPC_CANTRECV (the connection was cut). A TCP client is recreated first (a
 * libtirpc TCP client is dead after a timeout), the xid set on the new one.
 *
 * Output (stdout), then a BALANCE of ACCOUNT (retried likewise):
 *   acknowledged=N calls=N retries=N last_balance=B
 *   balance=B
 * calls counts every clnt_call of a DEPOSIT, retries those repeating an xid.
 * Exit 0; 1 on any other error or a status other than BANK_OK; 2 usage;
 * 3 when no UDP client can be created; 4 when one call stays
 * unacknowledged after 500 tries in a row.
 */
#include "bank.h"
#include "peer_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_TRIES 500

struct bank_conn {
    struct sockaddr_in sin;
    int udp;
    struct timeval retry;   /* UDP retransmission interval */
    struct timeval total;   /* one clnt_call's total timeout */
    CLIENT *clnt;
};

struct bank_tally {
    unsigned long calls;
    unsigned long retries;
};

static struct timeval ms_to_tv(int ms)
{
    struct timeval tv;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    return tv;
}

static int parse_ms(const char *what, const char *s)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0 || v > 0x7fffffff)
        peer_die("%s: not a number: %s", what, s);
    return (int)v;
}

static CLIENT *bank_create(struct bank_conn *c)
{
    int sock = RPC_ANYSOCK;
    CLIENT *clnt;
    if (c->udp)
        clnt = clntudp_bufcreate(&c->sin, BANK_PROG, BANK_V1, c->retry, &sock, UDPMSGSIZE, UDPMSGSIZE);
    else
        clnt = clnttcp_create(&c->sin, BANK_PROG, BANK_V1, &sock, 0, 0);
    if (clnt == NULL) {
        fprintf(stderr, "%s\n", clnt_spcreateerror("bank_clnt: client create"));
        return NULL;
    }
    clnt_control(clnt, CLSET_TIMEOUT, (char *)&c->total);
    if (c->udp)
        clnt_control(clnt, CLSET_RETRY_TIMEOUT, (char *)&c->retry);
    return clnt;
}

/*
 * The value to give CLSET_XID so that the next call carries xid. clnt_dg adds
 * one to the xid in host order before a call, and CLSET_XID stores xid - 1:
 * xid itself. clnt_vc stores htonl(v + 1) and then decrements that word in
 * place before a call, in network byte order: on a little-endian host the
 * call after CLSET_XID(xid) would carry xid - 0x01000000 (libtirpc 1.3.3; its
 * own TCP xids step by -0x01000000 for the same reason). Undo that.
 */
static u_int32_t clset_xid_value(const struct bank_conn *c, u_int32_t xid)
{
    return c->udp ? xid : ntohl(htonl(xid) + 1) - 1;
}

/* Whether a failed call may be made again with the same xid. */
static int may_retry(struct bank_conn *c, enum clnt_stat st)
{
    struct rpc_err err;
    if (st == RPC_TIMEDOUT)
        return 1;
    if (c->udp) {
        if (st != RPC_CANTRECV)
            return 0;
        clnt_geterr(c->clnt, &err);
        return err.re_errno == ECONNREFUSED;
    }
    return st == RPC_CANTSEND || st == RPC_CANTRECV;
}

static void pause_ms(const struct timeval *tv)
{
    struct timespec ts = { tv->tv_sec, tv->tv_usec * 1000L };
    nanosleep(&ts, NULL);
}

/*
 * Makes one call until it is acknowledged, repeating its xid. Returns
 * RPC_SUCCESS, the first error that cannot be retried, or RPC_TIMEDOUT after
 * MAX_TRIES tries in a row.
 */
static enum clnt_stat call_until_acknowledged(struct bank_conn *c, rpcproc_t proc, xdrproc_t xargs,
                                              void *args, bank_result *res, struct bank_tally *tally)
{
    u_int32_t xid = 0;
    int have_xid = 0, tries;
    enum clnt_stat st = RPC_TIMEDOUT;
    char err[256];

    for (tries = 0; tries < MAX_TRIES; tries++) {
        if (c->clnt == NULL) {
            c->clnt = bank_create(c);
            if (c->clnt == NULL) {
                /* TCP: the server (or the path to it) is down; try again shortly. */
                pause_ms(&c->retry);
                continue;
            }
        }
        if (have_xid) {
            u_int32_t next = clset_xid_value(c, xid);
            clnt_control(c->clnt, CLSET_XID, (char *)&next);
            if (tally != NULL)
                tally->retries++;
        }
        memset(res, 0, sizeof *res);
        if (tally != NULL)
            tally->calls++;
        st = clnt_call(c->clnt, proc, xargs, (caddr_t)args, (xdrproc_t)xdr_bank_result, (caddr_t)res, c->total);
        if (st == RPC_SUCCESS)
            return st;
        if (!may_retry(c, st)) {
            peer_format_error(c->clnt, st, err, sizeof err);
            fprintf(stderr, "bank_clnt: procedure %lu failed: %s\n", (unsigned long)proc, err);
            return st;
        }
        if (!have_xid) {
            /* The xid of the call just made (CLGET_XID: "the PREVIOUS call"). */
            clnt_control(c->clnt, CLGET_XID, (char *)&xid);
            have_xid = 1;
        }
        if (!c->udp) {
            clnt_destroy(c->clnt);
            c->clnt = NULL;
        }
    }
    fprintf(stderr, "bank_clnt: procedure %lu unacknowledged after %d tries\n", (unsigned long)proc, MAX_TRIES);
    return RPC_TIMEDOUT;
}

int main(int argc, char **argv)
{
    struct bank_conn conn;
    struct bank_tally tally = { 0, 0 };
    bank_result res;
    bank_txn txn;
    unsigned long acknowledged = 0, count, i;
    long long last_balance = 0;
    u_int account;
    enum clnt_stat st;
    char memo[] = "deposit";

    /* A write on a connection the proxy cut must fail with EPIPE, not kill us. */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 6 || argc > 8)
        peer_die("usage: bank_clnt HOST PORT udp|tcp ACCOUNT COUNT [RETRY_MS] [TOTAL_MS]");
    memset(&conn, 0, sizeof conn);
    conn.sin.sin_family = AF_INET;
    conn.sin.sin_port = htons((unsigned short)parse_ms("PORT", argv[2]));
    if (inet_pton(AF_INET, strcmp(argv[1], "localhost") == 0 ? "127.0.0.1" : argv[1], &conn.sin.sin_addr) != 1)
        peer_die("not an IPv4 address: %s", argv[1]);
    if (strcmp(argv[3], "udp") != 0 && strcmp(argv[3], "tcp") != 0)
        peer_die("transport: udp or tcp, not %s", argv[3]);
    conn.udp = strcmp(argv[3], "udp") == 0;
    account = (u_int)strtoul(argv[4], NULL, 10);
    count = (unsigned long)parse_ms("COUNT", argv[5]);
    conn.retry = ms_to_tv(argc > 6 ? parse_ms("RETRY_MS", argv[6]) : 10);
    conn.total = ms_to_tv(argc > 7 ? parse_ms("TOTAL_MS", argv[7]) : 200);

    conn.clnt = bank_create(&conn);
    if (conn.clnt == NULL && conn.udp)
        return 3;

    txn.account = account;
    txn.amount = 1;
    txn.memo = memo;
    for (i = 0; i < count; i++) {
        st = call_until_acknowledged(&conn, DEPOSIT, (xdrproc_t)xdr_bank_txn, &txn, &res, &tally);
        if (st != RPC_SUCCESS)
            break;
        acknowledged++;
        if (res.status != BANK_OK) {
            fprintf(stderr, "bank_clnt: DEPOSIT answered status %d\n", (int)res.status);
            st = RPC_FAILED;
            break;
        }
        last_balance = (long long)res.bank_result_u.balance;
    }
    printf("acknowledged=%lu calls=%lu retries=%lu last_balance=%lld\n",
           acknowledged, tally.calls, tally.retries, last_balance);
    fflush(stdout);
    if (st != RPC_SUCCESS && count > 0) {
        if (conn.clnt != NULL)
            clnt_destroy(conn.clnt);
        return st == RPC_TIMEDOUT ? 4 : 1;
    }

    st = call_until_acknowledged(&conn, BALANCE, (xdrproc_t)xdr_u_int, &account, &res, NULL);
    if (conn.clnt != NULL)
        clnt_destroy(conn.clnt);
    if (st != RPC_SUCCESS)
        return st == RPC_TIMEDOUT ? 4 : 1;
    if (res.status != BANK_OK) {
        printf("balance_status=%d\n", (int)res.status);
        return 1;
    }
    printf("balance=%lld\n", (long long)res.bank_result_u.balance);
    return 0;
}
