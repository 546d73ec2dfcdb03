/*
 * boundary_check: calls sockit through its C ABI the way a careless or hostile program
 * would, and prints what came back, one "call: result" line each; tests/programs/c_boundary.rs
 * compares the lines. Linked like every C program, against both libraries.
 *
 *     boundary_check api                  bad arguments of every kind
 *     boundary_check transports           the same for Unix domain sockets, options,
 *                                         scatter/gather, multicast and sendfile
 *     boundary_check sigpipe              sending to a peer that has gone
 *     boundary_check truncation           more bytes arriving than the buffer holds
 *     boundary_check die-refused <port>   Die() right after a refused connect
 *     boundary_check die-errno <port>     Die() after a sockit failure and a later libc one
 *     boundary_check die-null             Die(NULL) with errno set by the program
 *     boundary_check die-after-success    Die() after a sockit failure and a later success
 *     boundary_check die-eof <port>       errno kept by successful calls, then Die() after
 *                                         the server closed the connection
 */
#if !defined(_WIN32)
#define _POSIX_C_SOURCE 200809L /* fileno */
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit.h"

/* The handle sockit_sendfile() takes for a C stream: a descriptor, or on Windows its HANDLE */
#if defined(_WIN32)
#include <io.h>
#define FILE_HANDLE(f) ((sockit_file)_get_osfhandle(_fileno(f)))
#else
#define FILE_HANDLE(f) fileno(f)
#endif

/* Prints a result: the error's name when negative, else the value. */
static void show(const char *call, long long rc) {
    if (rc < 0) {
        printf("%s: %s\n", call, sockit_err_name((int)rc));
    } else {
        printf("%s: %lld\n", call, rc);
    }
}

#define SHOW(call) show(#call, (long long)(call))

static void must(int rc, const char *what) {
    if (rc < 0) {
        Die(what);
    }
}

static int api(void) {
    char buf[64];
    char small[4];
    sockit_socket sock = SOCKIT_INVALID_SOCKET, out = SOCKIT_INVALID_SOCKET, closed, udp;
    sockit_addr addr, bad_family, untouched;
    unsigned char raw[128];
    sockit_reader *reader = NULL;
    const char *msg;

    memset(&bad_family, 0, sizeof bad_family);
    bad_family.family = 5;
    memset(raw, 0, sizeof raw);

    /* Invalid handles */
    SHOW(sockit_send(SOCKIT_INVALID_SOCKET, "x", 1));
    SHOW(sockit_recv(SOCKIT_INVALID_SOCKET, buf, sizeof buf));
    SHOW(sockit_close(SOCKIT_INVALID_SOCKET));
    SHOW(sockit_handle_client(SOCKIT_INVALID_SOCKET));
    SHOW(sockit_set_nodelay(SOCKIT_INVALID_SOCKET, 1));
    must(sockit_udp_socket(SOCKIT_IPV4, &closed), "udp socket");
    SHOW(sockit_close(closed));
    SHOW(sockit_close(closed));
    SHOW(sockit_sendto(closed, "x", 1, &bad_family));

    /* NULL pointers and bad lengths */
    must(sockit_udp_socket(SOCKIT_ANY, &udp), "udp socket");
    sock = udp;
    SHOW(sockit_send(sock, NULL, 5));
    SHOW(sockit_send(sock, NULL, 0));
    SHOW(sockit_recv(sock, NULL, 10));
    SHOW(sockit_recv(sock, buf, 0));
    SHOW(sockit_recvfrom(sock, buf, 0, NULL));
    SHOW(sockit_sendto(sock, "x", 1, NULL));
    SHOW(sockit_sendto(sock, "x", 1, &bad_family));
    SHOW(sockit_send_all(sock, NULL, (size_t)-1));
    SHOW(sockit_recv_exact(sock, buf, (size_t)-1));
    SHOW(sockit_tcp_connect(NULL, 7, 1000, &out));
    SHOW(sockit_tcp_connect("localhost", 7, 1000, NULL));
    SHOW(sockit_tcp_connect_addr(NULL, 1000, &out));
    SHOW(sockit_tcp_listen("127.0.0.1", 0, 5, NULL));
    SHOW(sockit_accept(sock, NULL, NULL));
    SHOW(sockit_local_addr(sock, NULL));
    SHOW(sockit_addr_parse(NULL, &addr));
    SHOW(sockit_addr_parse("127.0.0.1:7", NULL));
    SHOW(sockit_addr_format(NULL, buf, sizeof buf));
    SHOW(sockit_addr_from_sockaddr(NULL, 16, &addr));
    SHOW(sockit_resolve(NULL, 0, SOCKIT_ANY, NULL, 0));
    SHOW(sockit_resolve("localhost", 0, SOCKIT_ANY, NULL, 3));
    SHOW(sockit_echo_tcp_exchange(sock, NULL, 3, buf, sizeof buf));
    SHOW(sockit_echo_udp_exchange(sock, NULL, "x", 1, buf, sizeof buf, 100));
    SHOW(sockit_parse_port(NULL));
    printf("sockit_addr_equal(NULL, NULL): %d\n", sockit_addr_equal(NULL, NULL));

    /* Out-of-range numbers and malformed text */
    SHOW(sockit_tcp_connect("localhost", 70000, 1000, &out));
    SHOW(sockit_tcp_connect("localhost", -1, 1000, &out));
    SHOW(sockit_tcp_connect("localhost", 7, 0, &out));
    SHOW(sockit_tcp_connect("%s%n%x", 7, 1000, &out));
    SHOW(sockit_tcp_connect("bad\xff\xfehost", 7, 1000, &out));
    SHOW(sockit_tcp_listen(NULL, 0, -1, &out));
    SHOW(sockit_udp_socket(5, &out));
    SHOW(sockit_udp_bind("127.0.0.1", 65536, &out));
    SHOW(sockit_resolve("localhost", 0, 5, NULL, 0));
    SHOW(sockit_resolve("exa mple.org", 0, SOCKIT_ANY, NULL, 0));
    SHOW(sockit_resolve("::1", 0, SOCKIT_IPV4, NULL, 0));
    SHOW(sockit_addr_parse("127.0.0.1", &addr));
    SHOW(sockit_addr_parse("::1:7", &addr));
    SHOW(sockit_addr_parse("[::1]:65536", &addr));
    SHOW(sockit_addr_from_ip("300.1.1.1", 7, &addr));
    SHOW(sockit_addr_from_ip("127.0.0.1", 65536, &addr));
    SHOW(sockit_addr_format(&bad_family, buf, sizeof buf));
    SHOW(sockit_addr_from_sockaddr((const struct sockaddr *)raw, 1, &addr));
    SHOW(sockit_addr_from_sockaddr((const struct sockaddr *)raw, sizeof raw, &addr));
    SHOW(sockit_parse_port("http"));
    SHOW(sockit_parse_port("65536"));
    SHOW(sockit_parse_port("-1"));
    SHOW(sockit_shutdown(sock, 7));
    SHOW(sockit_set_read_timeout(sock, 0));
    SHOW(sockit_set_write_timeout(sock, 0));
    /* Only SOCKIT_FOREVER means no limit: a deadline computed below zero is refused */
    SHOW(sockit_set_read_timeout(sock, -2));
    SHOW(sockit_set_write_timeout(sock, -1000));
    SHOW(sockit_tcp_connect("localhost", 7, -5, &out));
    SHOW(sockit_poll(NULL, 0, -2));
    must(sockit_addr_from_ip("127.0.0.1", 9, &addr), "address");
    SHOW(sockit_echo_udp_exchange(sock, &addr, "x", 1, buf, sizeof buf, -2));
    /* Nothing can be sent to port 0 */
    must(sockit_addr_from_ip("127.0.0.1", 0, &addr), "address");
    SHOW(sockit_sendto(sock, "x", 1, &addr));
    /* A UDP socket has its port from the start, before any send */
    must(sockit_local_addr(udp, &addr), "udp address");
    printf("udp socket bound when created: %s\n", addr.port != 0 ? "yes" : "no");

    /* Results that do not fit */
    SHOW(sockit_addr_from_ip("2001:db8::1", 65535, &addr));
    memcpy(small, "abc", 4);
    SHOW(sockit_addr_format(&addr, small, sizeof small));
    printf("small buffer untouched: %s\n", memcmp(small, "abc", 4) == 0 ? "yes" : "no");
    SHOW(sockit_addr_format(&addr, buf, sizeof buf));
    SHOW(sockit_addr_to_sockaddr(&addr, (struct sockaddr *)raw, 8));
    SHOW(sockit_addr_from_sockaddr((const struct sockaddr *)raw, sizeof raw, &addr));
    SHOW(sockit_addr_to_sockaddr(&addr, (struct sockaddr *)raw, sizeof raw));
    untouched = addr;
    SHOW(sockit_addr_from_sockaddr((const struct sockaddr *)raw, sizeof raw, &addr));
    printf("sockaddr round trip: %s\n", sockit_addr_equal(&addr, &untouched) ? "yes" : "no");

    /* Messages, polling, connecting */
    SHOW(sockit_reader_new_fixed(sock, 0, &reader));
    SHOW(sockit_reader_new_delimited(sock, NULL, 2, 10, &reader));
    SHOW(sockit_reader_new_delimited(sock, "", 0, 10, &reader));
    SHOW(sockit_reader_new_length_prefixed(sock, 10, NULL));
    printf("reader untouched: %s\n", reader == NULL ? "yes" : "no");
    SHOW(sockit_reader_next(NULL, &msg));
    SHOW(sockit_reader_push(NULL, "x", 1));
    SHOW(sockit_reader_buffered(NULL));
    sockit_reader_free(NULL);
    SHOW(sockit_send_length_prefixed(sock, NULL, 3));
    SHOW(sockit_send_delimited(sock, "a\nb", 3, "\n", 1));
    SHOW(sockit_encode_length_prefixed("abc", 3, small, sizeof small));
    SHOW(sockit_encode_delimited("abc", 3, NULL, 1, buf, sizeof buf));
    SHOW(sockit_poll(NULL, 3, 0));
    SHOW(sockit_poll(NULL, 0, SOCKIT_FOREVER));
    SHOW(sockit_connect(sock, NULL));
    SHOW(sockit_connect_finish(SOCKIT_INVALID_SOCKET));
    SHOW(sockit_tcp_socket(5, &out));
    SHOW(sockit_recv_to_end(SOCKIT_INVALID_SOCKET, buf, sizeof buf));
    SHOW(sockit_request(sock, NULL, 4, buf, sizeof buf));

    /* Wrong kind of socket */
    SHOW(sockit_accept(udp, &out, NULL));
    SHOW(sockit_echo_tcp_server(udp, NULL, NULL));
    SHOW(sockit_set_nodelay(udp, 1));
#ifndef _WIN32
    /* Descriptors that are not sockets are refused, not closed or changed. */
    SHOW(sockit_close(0));
    SHOW(sockit_set_nonblocking(0, 1));
    SHOW(sockit_handle_client(0));
    SHOW(sockit_recv(0, buf, sizeof buf));
#endif

    /* Out-parameters are written only on success */
    out = (sockit_socket)12345;
    SHOW(sockit_tcp_connect(NULL, 7, 1000, &out));
    printf("out untouched: %s\n", out == (sockit_socket)12345 ? "yes" : "no");

    /* The last failure stays available, and errno says the same for perror() */
    SHOW(sockit_send(SOCKIT_INVALID_SOCKET, "x", 1));
    SHOW(sockit_last_error());
    printf("errno is EBADF: %s\n", errno == EBADF ? "yes" : "no");
    SHOW(sockit_parse_port("7"));
    SHOW(sockit_last_error());

    /* Descriptions of any int */
    printf("sockit_strerror(-111): %s\n", sockit_strerror(-111));
    printf("sockit_strerror(0): %s\n", sockit_strerror(0));
    printf("sockit_strerror(12345): %s\n", sockit_strerror(12345));
    printf("sockit_err_name(-2147483647 - 1): %s\n", sockit_err_name(-2147483647 - 1));

    sockit_close(udp);
    printf("still alive\n");
    return 0;
}

/* The newer calls with bad arguments: names too long, negative sizes, the wrong kinds of
 * socket, groups that are not multicast addresses, closed handles. Nothing here joins a
 * group or makes a file: every call is refused before that. */
#ifndef _WIN32
/* The newer calls with good arguments, so that the checkers (valgrind, the sanitizers) see
 * them do their work: scatter/gather both ways, a datagram from pieces, the options set and
 * read back. peer has the 4 bytes the sendfile calls sent waiting. */
static void good_transport_calls(sockit_socket tcp, sockit_socket peer, sockit_socket udp) {
    char head[] = "scatter", tail[] = "/gather", got_head[7], got_tail[7], file_bytes[4];
    char datagram[32];
    sockit_iovec out_iov[2], in_iov[2];
    sockit_addr self, from;
    int on = -1, idle = -1, interval = -1, count = -1, value = -1;

    SHOW(sockit_recv_exact(peer, file_bytes, sizeof file_bytes));
    out_iov[0].base = head;
    out_iov[0].len = 7;
    out_iov[1].base = tail;
    out_iov[1].len = 7;
    in_iov[0].base = got_head;
    in_iov[0].len = sizeof got_head;
    in_iov[1].base = got_tail;
    in_iov[1].len = sizeof got_tail;
    SHOW(sockit_sendv_all(tcp, out_iov, 2));
    SHOW(sockit_recvv_all(peer, in_iov, 2));
    printf("gathered: %.7s%.7s\n", got_head, got_tail);
    must(sockit_local_addr(udp, &self), "udp address");
    SHOW(sockit_sendto_v(udp, out_iov, 2, &self));
    SHOW(sockit_recvfrom(udp, datagram, sizeof datagram, &from));
    printf("from itself: %s\n", sockit_addr_equal(&from, &self) ? "yes" : "no");

    SHOW(sockit_set_keepalive(tcp, 1, 60, 10, 5));
    SHOW(sockit_get_keepalive(tcp, &on, &idle, &interval, &count));
    printf("keepalive: %d %d %d %d\n", on, idle, interval, count);
    SHOW(sockit_set_send_buffer(tcp, 65536));
    SHOW(sockit_get_send_buffer(tcp, &value));
    printf("send buffer of 64 KiB or more: %s\n", value >= 65536 ? "yes" : "no");
    SHOW(sockit_set_linger(tcp, 1, 5));
    SHOW(sockit_get_linger(tcp, &on, &value));
    printf("linger: %d %d\n", on, value);
    SHOW(sockit_set_tos(tcp, 0x10));
    SHOW(sockit_get_tos(tcp, &value));
    printf("tos: %d\n", value);
    SHOW(sockit_set_nodelay(tcp, 1));
    SHOW(sockit_get_nodelay(tcp, &on));
    printf("nodelay: %d\n", on);
    SHOW(sockit_get_error(tcp, &value));
    printf("pending error: %d\n", value);
    SHOW(sockit_set_ttl(udp, 7));
    SHOW(sockit_get_ttl(udp, &value));
    printf("ttl: %d\n", value);
    SHOW(sockit_set_broadcast(udp, 1));
    SHOW(sockit_get_broadcast(udp, &on));
    printf("broadcast: %d\n", on);
    SHOW(sockit_set_multicast_ttl(udp, 3));
    SHOW(sockit_get_multicast_ttl(udp, &value));
    printf("multicast ttl: %d\n", value);
    SHOW(sockit_set_multicast_loop(udp, 0));
    SHOW(sockit_get_multicast_loop(udp, &on));
    printf("multicast loop: %d\n", on);
}
#endif

static int transports(void) {
    char long_name[300], name[SOCKIT_UNIX_NAMESTRLEN];
    sockit_socket out = SOCKIT_INVALID_SOCKET, listener, tcp, peer, udp, closed;
    sockit_addr where;
    sockit_peer_cred cred;
    sockit_iovec iov[1];
    FILE *file;
    int value = 12345;

    memset(long_name, 'n', sizeof long_name - 1);
    long_name[0] = '/';
    long_name[sizeof long_name - 1] = '\0';
    must(sockit_tcp_listen("127.0.0.1", 0, 1, &listener), "listen");
    must(sockit_local_addr(listener, &where), "local address");
    must(sockit_tcp_connect_addr(&where, 5000, &tcp), "connect");
    must(sockit_accept(listener, &peer, NULL), "accept");
    must(sockit_udp_bind("127.0.0.1", 0, &udp), "udp");
    if ((file = tmpfile()) == NULL || fputs("data", file) < 0 || fflush(file) != 0) {
        Die("temporary file");
    }
    /* Last, so that no later descriptor takes its number */
    must(sockit_udp_socket(SOCKIT_IPV4, &closed), "socket to close");
    sockit_close(closed);

    /* Unix domain sockets */
    SHOW(sockit_unix_listen(NULL, 1, 0, &out));
    SHOW(sockit_unix_listen("", 1, 0, &out));
    SHOW(sockit_unix_listen("@", 1, 0, &out));
    SHOW(sockit_unix_listen(long_name, 1, 0, &out));
    SHOW(sockit_unix_connect(long_name, 1000, &out));
    SHOW(sockit_unix_listen("x.sock", -1, 0, &out));
    SHOW(sockit_unix_listen("x.sock", 1, 99, &out));
    SHOW(sockit_unix_connect("x.sock", 0, &out));
    SHOW(sockit_unix_bind("x.sock", -1, &out));
    SHOW(sockit_unix_sendto(udp, "x", 1, NULL));
    SHOW(sockit_unix_local_name(tcp, name, sizeof name));
    SHOW(sockit_unix_peer_name(SOCKIT_INVALID_SOCKET, name, sizeof name));
    SHOW(sockit_unix_peer_cred(tcp, &cred));
    SHOW(sockit_unix_peer_cred(closed, &cred));
    printf("out untouched: %s\n", out == SOCKIT_INVALID_SOCKET ? "yes" : "no");

    /* Options: negative sizes, out of range, the wrong kind of socket */
    SHOW(sockit_set_send_buffer(udp, -1));
    SHOW(sockit_set_recv_buffer(udp, -65536));
    SHOW(sockit_set_keepalive(tcp, 1, -1, 1, 1));
    SHOW(sockit_set_keepalive(udp, 1, 10, 10, 3));
    SHOW(sockit_set_linger(tcp, 1, -1));
    SHOW(sockit_set_linger(tcp, 1, 65536));
    SHOW(sockit_set_ttl(udp, 0));
    SHOW(sockit_set_tos(udp, 256));
    SHOW(sockit_set_fastopen(udp, 5));
    SHOW(sockit_set_v6only(udp, 1));
    SHOW(sockit_get_nodelay(udp, &value));
    SHOW(sockit_get_ttl(tcp, NULL));
    SHOW(sockit_get_error(closed, &value));
    printf("value untouched: %s\n", value == 12345 ? "yes" : "no");
    SHOW(sockit_close_reset(closed));

    /* Scatter/gather */
    iov[0].base = NULL;
    iov[0].len = 4;
    SHOW(sockit_sendv(tcp, NULL, 1));
    SHOW(sockit_sendv(tcp, iov, 1));
    SHOW(sockit_sendv_all(tcp, iov, (size_t)-1));
    SHOW(sockit_recvv(tcp, NULL, 0));
    iov[0].base = name;
    SHOW(sockit_recvv_all(closed, iov, 1));
    SHOW(sockit_sendto_v(udp, iov, 1, NULL));

    /* Multicast and broadcast */
    SHOW(sockit_udp_join_group(udp, "127.0.0.1", NULL));
    SHOW(sockit_udp_join_group(udp, NULL, NULL));
    SHOW(sockit_udp_join_group(udp, "239.1.2.3:5", NULL));
    SHOW(sockit_udp_join_group(udp, "ff02::1", NULL));
    SHOW(sockit_udp_join_group(tcp, "239.1.2.3", NULL));
    SHOW(sockit_udp_join_group(udp, "239.1.2.3", "no-such-interface"));
    SHOW(sockit_udp_join_source_group(udp, "232.1.1.1", "::1", NULL));
    SHOW(sockit_udp_leave_group(closed, "239.1.2.3", NULL));
    SHOW(sockit_set_multicast_ttl(udp, 256));
    SHOW(sockit_set_multicast_ttl(tcp, 1));
    SHOW(sockit_set_broadcast(tcp, 1));
    SHOW(sockit_udp_multicast_socket("10.0.0.1", 5000, NULL, &out));
    SHOW(sockit_udp_multicast_socket("239.1.2.3", 70000, NULL, &out));

    /* Sending files */
    SHOW(sockit_sendfile(tcp, FILE_HANDLE(file), -1, 4));
    SHOW(sockit_sendfile(tcp, FILE_HANDLE(file), 0, -1));
    SHOW(sockit_sendfile(SOCKIT_INVALID_SOCKET, FILE_HANDLE(file), 0, 4));
    SHOW(sockit_sendfile(closed, FILE_HANDLE(file), 0, 4));
    SHOW(sockit_sendfile(tcp, FILE_HANDLE(file), 4, 4));
    SHOW(sockit_sendfile(tcp, FILE_HANDLE(file), 0, 4));
    fclose(file);

#ifndef _WIN32
    good_transport_calls(tcp, peer, udp);
#endif

    sockit_close(tcp);
    sockit_close(peer);
    sockit_close(udp);
    sockit_close(listener);
    printf("still alive\n");
    return 0;
}

/* A buffer of len bytes followed by CANARY bytes that no call may write. Allocated on its own
 * so that AddressSanitizer also sees a write past the canary. */
#define CANARY 64
#define UNWRITTEN 0xEE
#define CANARY_BYTE 0xA5

static unsigned char *guarded(size_t len) {
    unsigned char *block = malloc(len + CANARY);
    if (block == NULL) {
        Die("malloc");
    }
    memset(block, UNWRITTEN, len);
    memset(block + len, CANARY_BYTE, CANARY);
    return block;
}

/* Prints a call's result, what its buffer of len bytes holds (the first len bytes of sent,
 * or nothing written), and whether the canary after it survived; frees the buffer. */
static void report(const char *call, long long rc, unsigned char *buf, size_t len,
                   const unsigned char *sent) {
    size_t i, untouched = 0, canary = 0;

    for (i = 0; i < len; i++) {
        untouched += buf[i] == UNWRITTEN;
    }
    for (i = 0; i < CANARY; i++) {
        canary += buf[len + i] == CANARY_BYTE;
    }
    show(call, rc);
    printf("  buffer: %s; canary: %s\n",
           untouched == len                ? "untouched"
           : sent == NULL                  ? "written"
           : memcmp(buf, sent, len) == 0   ? "the first bytes sent"
                                           : "something else",
           canary == CANARY ? "intact" : "OVERWRITTEN");
    free(buf);
}

static int truncation(void) {
    static unsigned char sent[1000];
    sockit_socket listener, client, server, udp, peer;
    sockit_addr where, udp_where, peer_where, from, before;
    unsigned char *buf;
    size_t i;

    for (i = 0; i < sizeof sent; i++) {
        sent[i] = (unsigned char)(i * 7 + 1);
    }
    memset(&before, 0x5A, sizeof before);

    /* Datagrams: the tutorial's 255-byte buffer, filled exactly, then overfilled */
    must(sockit_udp_bind("127.0.0.1", 0, &udp), "udp bind");
    must(sockit_local_addr(udp, &udp_where), "udp address");
    must(sockit_udp_bind("127.0.0.1", 0, &peer), "peer bind");
    must(sockit_local_addr(peer, &peer_where), "peer address");
    must(sockit_set_read_timeout(udp, 5000), "read timeout");
    must((int)sockit_sendto(peer, sent, 255, &udp_where), "sendto");
    buf = guarded(255);
    from = before;
    report("255-byte datagram, sockit_recvfrom into 255",
           sockit_recvfrom(udp, buf, 255, &from), buf, 255, sent);
    printf("  from written: %s\n", memcmp(&from, &before, sizeof from) != 0 ? "yes" : "no");
    must((int)sockit_sendto(peer, sent, 256, &udp_where), "sendto");
    buf = guarded(255);
    from = before;
    report("256-byte datagram, sockit_recvfrom into 255",
           sockit_recvfrom(udp, buf, 255, &from), buf, 255, sent);
    printf("  from written: %s\n", memcmp(&from, &before, sizeof from) != 0 ? "yes" : "no");
    must((int)sockit_sendto(peer, sent, sizeof sent, &udp_where), "sendto");
    buf = guarded(1);
    report("1000-byte datagram, sockit_recvfrom into 1",
           sockit_recvfrom(udp, buf, 1, NULL), buf, 1, sent);
    /* The echo exchange: the peer's long reply is already waiting when the call reads */
    must((int)sockit_sendto(peer, sent, sizeof sent, &udp_where), "sendto");
    buf = guarded(16);
    report("1000-byte reply, sockit_echo_udp_exchange into 16",
           sockit_echo_udp_exchange(udp, &peer_where, "ping", 4, buf, 16, 5000), buf, 16, sent);
    /* A connected UDP socket read with sockit_recv */
    must(sockit_udp_socket(SOCKIT_IPV4, &client), "udp socket");
    must(sockit_connect(client, &peer_where), "udp connect");
    must(sockit_local_addr(client, &where), "connected address");
    must(sockit_set_read_timeout(client, 5000), "read timeout");
    must((int)sockit_sendto(peer, sent, sizeof sent, &where), "sendto");
    buf = guarded(16);
    report("1000-byte datagram, sockit_recv into 16", sockit_recv(client, buf, 16), buf, 16,
           sent);
    sockit_close(client);
    sockit_close(peer);
    sockit_close(udp);

    /* Streams: more bytes than the buffer, then the end of the stream */
    must(sockit_tcp_listen("127.0.0.1", 0, 4, &listener), "listen");
    must(sockit_local_addr(listener, &where), "listener address");
    must(sockit_tcp_connect_addr(&where, 5000, &client), "connect");
    must(sockit_accept(listener, &server, NULL), "accept");
    must(sockit_set_read_timeout(client, 5000), "read timeout");
    must((int)sockit_send_all(server, sent, sizeof sent), "send");
    buf = guarded(16);
    report("1000 bytes, sockit_recv into 16", sockit_recv(client, buf, 16), buf, 16, sent);
    buf = guarded(16);
    report("984 more, sockit_recv_exact of 16", sockit_recv_exact(client, buf, 16), buf, 16,
           sent + 16);
    must(sockit_shutdown(server, SOCKIT_SHUT_WR), "shutdown");
    buf = guarded(16);
    report("968 more then the end, sockit_recv_to_end into 16",
           sockit_recv_to_end(client, buf, 16), buf, 16, sent + 32);
    sockit_close(client);
    sockit_close(server);
    /* A request whose reply (already sent, then the end) is longer than its buffer */
    must(sockit_tcp_connect_addr(&where, 5000, &client), "connect");
    must(sockit_accept(listener, &server, NULL), "accept");
    must(sockit_set_read_timeout(client, 5000), "read timeout");
    must((int)sockit_send_all(server, sent, sizeof sent), "send");
    must(sockit_shutdown(server, SOCKIT_SHUT_WR), "shutdown");
    buf = guarded(16);
    report("1000-byte reply, sockit_request into 16",
           sockit_request(client, "request", 7, buf, 16), buf, 16, sent);
    buf = guarded(16);
    report("echo of 100 bytes, sockit_echo_tcp_exchange into 16",
           sockit_echo_tcp_exchange(client, sent, 100, buf, 16), buf, 16, sent);
    sockit_close(client);
    sockit_close(server);
    sockit_close(listener);

    /* Text and encodings: too small a buffer is refused before anything is written */
    must(sockit_addr_parse("[fe80::1:2:3:4%1]:65535", &where), "parse");
    buf = guarded(8);
    report("sockit_addr_format into 8", sockit_addr_format(&where, (char *)buf, 8), buf, 8,
           sent);
    buf = guarded(8);
    report("sockit_addr_format_ip into 8", sockit_addr_format_ip(&where, (char *)buf, 8), buf,
           8, sent);
    buf = guarded(50);
    report("sockit_encode_length_prefixed of 100 into 50",
           sockit_encode_length_prefixed(sent, 100, buf, 50), buf, 50, sent);
    buf = guarded(101);
    report("sockit_encode_delimited of 100 into 101",
           sockit_encode_delimited(sent, 100, "\r\n", 2, buf, 101), buf, 101, sent);
    /* Room for one address: one is written, however many the name has */
    buf = guarded(sizeof(sockit_addr));
    report("sockit_resolve of localhost into room for 1",
           sockit_resolve("localhost", 7, SOCKIT_ANY, (sockit_addr *)buf, 1), buf,
           sizeof(sockit_addr), NULL);
    printf("still alive\n");
    return 0;
}

static int sigpipe(void) {
    sockit_socket listener, client, server;
    sockit_addr where;
    static char payload[1 << 16];
    FILE *file;
    int64_t rc = 0;
    int i;

    must(sockit_tcp_listen("127.0.0.1", 0, 1, &listener), "listen");
    must(sockit_local_addr(listener, &where), "local address");
    must(sockit_tcp_connect_addr(&where, 5000, &client), "connect");
    must(sockit_accept(listener, &server, NULL), "accept");
    sockit_close(server);
    /* The first sends may still be accepted; the peer answers them with a reset. */
    for (i = 0; i < 1000 && rc >= 0; i++) {
        rc = (i % 2) ? sockit_send(client, payload, sizeof payload)
                     : sockit_send_all(client, payload, sizeof payload);
    }
    printf("send to a closed peer: %s\n", rc < 0 ? sockit_err_name((int)rc) : "never failed");
    rc = sockit_send_all(client, payload, sizeof payload);
    printf("and again: %s\n", rc < 0 ? sockit_err_name((int)rc) : "never failed");
    /* A file sent in the kernel: sendfile has no MSG_NOSIGNAL of its own */
    file = tmpfile();
    if (file == NULL || fwrite(payload, 1, sizeof payload, file) != sizeof payload ||
        fflush(file) != 0) {
        Die("temporary file");
    }
    rc = sockit_sendfile(client, FILE_HANDLE(file), 0, (int64_t)sizeof payload);
    printf("sendfile to a closed peer: %s\n", rc < 0 ? sockit_err_name((int)rc) : "never failed");
    fclose(file);
    sockit_close(client);
    sockit_close(listener);
    printf("still alive\n");
    return 0;
}

/* Successful calls leave errno as the program set it; Die() after a clean end of stream
 * says the peer closed. The server at port reads one byte and closes. */
static void die_eof(int port) {
    sockit_socket sock;
    char buf[8];
    int64_t n;

    errno = EACCES; /* the program's own, from before */
    must(sockit_tcp_connect("127.0.0.1", port, 5000, &sock), "connect");
    printf("errno after sockit_tcp_connect: %s\n", errno == EACCES ? "kept" : strerror(errno));
    errno = 0;
    must((int)sockit_send_all(sock, "x", 1), "send");
    must(sockit_set_read_timeout(sock, 5000), "read timeout");
    printf("errno after sockit_send_all: %s\n", errno == 0 ? "kept" : strerror(errno));
    n = sockit_recv(sock, buf, sizeof buf);
    printf("sockit_recv: %lld, errno %s\n", (long long)n, errno == 0 ? "kept" : strerror(errno));
    Die("Failed to receive bytes from server");
}

int main(int argc, char *argv[]) {
    sockit_socket sock = SOCKIT_INVALID_SOCKET;
    int port = argc > 2 ? sockit_parse_port(argv[2]) : -1;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2) {
        fprintf(stderr, "USAGE: boundary_check api|sigpipe|truncation|die-refused|die-errno|die-null|die-after-success|die-eof\n");
        return 2;
    }
    if (strcmp(argv[1], "api") == 0) {
        return api();
    }
    if (strcmp(argv[1], "transports") == 0) {
        return transports();
    }
    if (strcmp(argv[1], "sigpipe") == 0) {
        return sigpipe();
    }
    if (strcmp(argv[1], "truncation") == 0) {
        return truncation();
    }
    if (strcmp(argv[1], "die-refused") == 0) {
        sockit_tcp_connect("127.0.0.1", port, 5000, &sock);
        Die("Failed to connect with server");
    }
    if (strcmp(argv[1], "die-errno") == 0) {
        sockit_tcp_connect("127.0.0.1", port, 5000, &sock);
        if (fopen("/nonexistent/sockit/file", "r") == NULL) {
            Die("fopen");
        }
    }
    if (strcmp(argv[1], "die-eof") == 0) {
        die_eof(port);
    }
    if (strcmp(argv[1], "die-after-success") == 0) {
        char small[4];
        sockit_addr addr;
        must(sockit_addr_parse("127.0.0.1:7", &addr), "parse");
        sockit_addr_format(&addr, small, sizeof small); /* fails: SOCKIT_ERANGE, errno ERANGE */
        if (sockit_parse_port("80") != 80) {             /* a success, which keeps errno */
            Die("parse port");
        }
        Die("after a success"); /* errno's text: sockit's failure is no longer the latest */
    }
    if (strcmp(argv[1], "die-null") == 0) {
        sockit_tcp_connect("127.0.0.1", -5, 5000, &sock); /* fails, then... */
        sockit_parse_port("80");                          /* ...a success */
        errno = EACCES;
        Die(NULL);
    }
    fprintf(stderr, "unknown mode %s\n", argv[1]);
    return 2;
}
