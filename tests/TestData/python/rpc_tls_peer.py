#!/usr/bin/env python3
"""An independent RPC-with-TLS (RFC 9289) peer for the interop tests: Python's socket, struct and
ssl (OpenSSL) modules only, none of the project's code.

  server --cert C --key K --ca CA [--require-client-cert] [--program N]
      Listens on 127.0.0.1 (port printed as "READY port 0", as the C peers do), serves connections one after the other:
      answers the AUTH_TLS probe with AUTH_NONE "STARTTLS", runs the TLS 1.3 handshake (ALPN
      "sunrpc"), then serves NULL (0), ECHO of opaque (1) and WHO (2, the client certificate's
      subject as "CN=..."). A plain call other than the probe is denied AUTH_ERROR / AUTH_TOOWEAK.
  client --port P --ca CA [--cert C --key K] [--program N]
      Probes, handshakes, then calls NULL, ECHO (a 200 000-byte opaque, several fragments) and
      WHO on the server; prints one "OK ..." line per step, exits 1 on any mismatch.
"""
import argparse
import os
import socket
import ssl
import struct
import sys

AUTH_NONE, AUTH_TLS = 0, 7
CALL, REPLY = 0, 1
MSG_ACCEPTED, MSG_DENIED = 0, 1
SUCCESS, PROC_UNAVAIL, GARBAGE_ARGS = 0, 3, 4
AUTH_ERROR, AUTH_TOOWEAK = 1, 5
STARTTLS = b"STARTTLS"
MAX_RECORD = 8 << 20


def recv_exact(conn, n):
    data = bytearray()
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError("peer closed the connection")
        data += chunk
    return bytes(data)


def read_record(conn):
    """RFC 5531 section 11: fragments until the last-fragment bit."""
    record = bytearray()
    while True:
        (header,) = struct.unpack(">I", recv_exact(conn, 4))
        length = header & 0x7FFFFFFF
        if len(record) + length > MAX_RECORD:
            raise ValueError("record too large")
        record += recv_exact(conn, length)
        if header & 0x80000000:
            return bytes(record)


def write_record(conn, body, fragment=65532):
    out = bytearray()
    for start in range(0, max(len(body), 1), fragment):
        piece = body[start:start + fragment]
        last = start + fragment >= len(body)
        out += struct.pack(">I", len(piece) | (0x80000000 if last else 0)) + piece
    conn.sendall(bytes(out))


def opaque(data):
    pad = (4 - len(data) % 4) % 4
    return struct.pack(">I", len(data)) + data + b"\0" * pad


def parse_call(record):
    xid, mtype, rpcvers, prog, vers, proc = struct.unpack_from(">6I", record, 0)
    off = 24
    cred_flavor, cred_len = struct.unpack_from(">II", record, off)
    off += 8 + ((cred_len + 3) & ~3)
    _verf_flavor, verf_len = struct.unpack_from(">II", record, off)
    off += 8 + ((verf_len + 3) & ~3)
    return xid, mtype, prog, vers, proc, cred_flavor, record[off:]


def accepted(xid, result=b"", verifier=b""):
    return struct.pack(">5I", xid, REPLY, MSG_ACCEPTED, AUTH_NONE, len(verifier)) + verifier + \
        b"\0" * ((4 - len(verifier) % 4) % 4) + struct.pack(">I", SUCCESS) + result


def denied_auth(xid, stat):
    return struct.pack(">5I", xid, REPLY, MSG_DENIED, AUTH_ERROR, stat)


def serve_connection(raw, context, program):
    conn = raw
    tls = False
    while True:
        try:
            record = read_record(conn)
        except (EOFError, ConnectionError, ssl.SSLError):
            return
        xid, mtype, prog, _vers, proc, cred_flavor, args = parse_call(record)
        if mtype != CALL:
            return
        if cred_flavor == AUTH_TLS:
            if tls or proc != 0:
                write_record(conn, denied_auth(xid, 1))  # AUTH_BADCRED
                continue
            write_record(conn, accepted(xid, verifier=STARTTLS))
            try:
                conn = context.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError) as e:
                print(f"HANDSHAKE-FAILED {e}", flush=True)
                return
            if conn.selected_alpn_protocol() != "sunrpc":
                print("ALPN-MISMATCH", flush=True)
                return
            tls = True
            continue
        if not tls and proc != 0:
            write_record(conn, denied_auth(xid, AUTH_TOOWEAK))
            continue
        if prog != program:
            write_record(conn, struct.pack(">6I", xid, REPLY, MSG_ACCEPTED, AUTH_NONE, 0, 1))  # PROG_UNAVAIL
            continue
        if proc == 0:
            write_record(conn, accepted(xid))
        elif proc == 1:
            (length,) = struct.unpack_from(">I", args, 0)
            write_record(conn, accepted(xid, opaque(args[4:4 + length])))
        elif proc == 2:
            subject = ""
            peer = conn.getpeercert() if tls else None
            if peer:
                subject = ",".join(f"{k}={v}" for rdn in peer.get("subject", ()) for k, v in rdn)
                subject = subject.replace("commonName=", "CN=")
            write_record(conn, accepted(xid, opaque(subject.encode())))
        else:
            write_record(conn, struct.pack(">6I", xid, REPLY, MSG_ACCEPTED, AUTH_NONE, 0, PROC_UNAVAIL))


def run_server(args):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3  # RFC 9289 section 5.1
    context.set_alpn_protocols(["sunrpc"])
    context.load_cert_chain(args.cert, args.key)
    context.load_verify_locations(args.ca)
    context.verify_mode = ssl.CERT_REQUIRED if args.require_client_cert else ssl.CERT_OPTIONAL
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    print(f"READY {listener.getsockname()[1]} 0", flush=True)
    while True:
        raw, _ = listener.accept()
        try:
            serve_connection(raw, context, args.program)
        finally:
            raw.close()


def call(conn, xid, program, proc, args=b"", cred=(AUTH_NONE, b"")):
    body = struct.pack(">6I", xid, CALL, 2, program, 1, proc) + \
        struct.pack(">I", cred[0]) + opaque(cred[1]) + struct.pack(">II", AUTH_NONE, 0) + args
    write_record(conn, body)
    reply = read_record(conn)
    rxid, mtype, stat = struct.unpack_from(">3I", reply, 0)
    if rxid != xid or mtype != REPLY:
        raise RuntimeError(f"reply xid {rxid} type {mtype} for call {xid}")
    if stat != MSG_ACCEPTED:
        return ("denied", struct.unpack_from(">2I", reply, 12), b"")
    vflavor, vlen = struct.unpack_from(">II", reply, 12)
    verifier = reply[20:20 + vlen]
    off = 20 + ((vlen + 3) & ~3)
    (accept,) = struct.unpack_from(">I", reply, off)
    return ("accepted", (vflavor, verifier, accept), reply[off + 4:])


def run_client(args):
    raw = socket.create_connection(("127.0.0.1", args.port), timeout=20)
    kind, detail, _ = call(raw, 0x1001, args.program, 0, cred=(AUTH_TLS, b""))
    if kind != "accepted" or detail[0] != AUTH_NONE or detail[1] != STARTTLS or detail[2] != SUCCESS:
        print(f"FAIL probe answered {kind} {detail}", flush=True)
        return 1
    print("OK probe STARTTLS", flush=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.set_alpn_protocols(["sunrpc"])
    context.load_verify_locations(args.ca)
    if args.cert:
        context.load_cert_chain(args.cert, args.key)
    conn = context.wrap_socket(raw, server_hostname="localhost")
    if conn.selected_alpn_protocol() != "sunrpc" or conn.version() != "TLSv1.3":
        print(f"FAIL alpn {conn.selected_alpn_protocol()} version {conn.version()}", flush=True)
        return 1
    print(f"OK handshake {conn.version()} alpn sunrpc", flush=True)
    kind, detail, _ = call(conn, 0x1002, args.program, 0)
    if kind != "accepted" or detail[2] != SUCCESS:
        print(f"FAIL null {kind} {detail}", flush=True)
        return 1
    print("OK null", flush=True)
    payload = os.urandom(200_000)
    kind, detail, result = call(conn, 0x1003, args.program, 1, opaque(payload))
    if kind != "accepted" or detail[2] != SUCCESS or result[4:4 + len(payload)] != payload:
        print(f"FAIL echo {kind} {detail}", flush=True)
        return 1
    print(f"OK echo {len(payload)}", flush=True)
    kind, detail, result = call(conn, 0x1004, args.program, 2)
    if kind != "accepted" or detail[2] != SUCCESS:
        print(f"FAIL who {kind} {detail}", flush=True)
        return 1
    (length,) = struct.unpack_from(">I", result, 0)
    print(f"OK who {result[4:4 + length].decode()}", flush=True)
    conn.close()
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["server", "client"])
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--ca", required=True)
    parser.add_argument("--port", type=int)
    parser.add_argument("--program", type=lambda s: int(s, 0), default=0x20000301)
    parser.add_argument("--require-client-cert", action="store_true")
    args = parser.parse_args()
    if args.mode == "server":
        run_server(args)
        return 0
    return run_client(args)


if __name__ == "__main__":
    sys.exit(main())
