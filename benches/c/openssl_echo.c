/*
 * openssl_echo: a hand-written single-threaded epoll TLS echo server on OpenSSL, the
 * baseline of the TLS benchmarks. Non-blocking sockets, level-triggered epoll; the
 * handshake (SSL_do_handshake), SSL_read and SSL_write are driven by what each call says it
 * wants (WANT_READ: wait to read, WANT_WRITE: wait to write). TLS 1.3 only, the cipher suite
 * TLS_AES_128_GCM_SHA256, the certificate and key from the files named on the command line.
 * Read-ahead with a 64 KiB read buffer: one recv takes several records, and the records
 * already read are decrypted before epoll is asked again. Plaintext is echoed as it is read;
 * what the peer does not take is kept (OpenSSL's own write buffer, the SSL_write retried
 * with the same bytes) and reading pauses meanwhile. OpenSSL's defaults otherwise, as a
 * careful C programmer leaves them: two TLS 1.3 session tickets sent after each handshake.
 *
 *     openssl_echo <port> <cert.pem> <key.pem>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bench_net.h"

#define BUFSIZE 65536
#define MAXEVENTS 1024

struct conn {
    SSL *ssl;       /* NULL: no connection on this descriptor */
    int handshaken; /* the handshake is done */
    uint32_t events; /* what epoll watches for */
    char *pending;  /* plaintext read but not yet taken by SSL_write */
    size_t len;
};

static struct conn *conns; /* indexed by descriptor */
static size_t nconns;

static void close_conn(int ep, int fd) {
    struct conn *c = &conns[fd];
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
    SSL_free(c->ssl);
    free(c->pending);
    memset(c, 0, sizeof *c);
    close(fd);
    ERR_clear_error();
}

static void watch(int ep, int fd, uint32_t events) {
    struct epoll_event ev = {.events = events, .data.fd = fd};
    if (conns[fd].events != events) {
        conns[fd].events = events;
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
    }
}

/* What a failed SSL call wants: EPOLLIN or EPOLLOUT to wait for, or 0 when the connection is
   done for (closed, reset or refused). */
static uint32_t wanted(SSL *ssl, int rc) {
    switch (SSL_get_error(ssl, rc)) {
    case SSL_ERROR_WANT_READ:
        return EPOLLIN;
    case SSL_ERROR_WANT_WRITE:
        return EPOLLOUT;
    case SSL_ERROR_SYSCALL:
        return (errno == EAGAIN || errno == EINTR) ? EPOLLIN : 0;
    default:
        return 0;
    }
}

/* Writes the pending bytes; -1 when the connection failed, 1 when they wait for the peer. */
static int flush(int ep, int fd) {
    struct conn *c = &conns[fd];
    int rc = SSL_write(c->ssl, c->pending, (int)c->len);
    if (rc <= 0) {
        uint32_t want = wanted(c->ssl, rc);
        if (want == 0) {
            return -1;
        }
        watch(ep, fd, want);
        return 1;
    }
    free(c->pending);
    c->pending = NULL;
    c->len = 0;
    watch(ep, fd, EPOLLIN);
    return 0;
}

/* Echoes what can be read now, record after record while OpenSSL holds more; -1 when the
   connection is done. */
static int echo(int ep, int fd, char *buf) {
    struct conn *c = &conns[fd];
    do {
        int n = SSL_read(c->ssl, buf, BUFSIZE), sent;
        if (n <= 0) {
            if (SSL_get_error(c->ssl, n) == SSL_ERROR_ZERO_RETURN) {
                SSL_shutdown(c->ssl); /* the peer's close_notify: answer it */
                return -1;
            }
            uint32_t want = wanted(c->ssl, n);
            if (want == 0) {
                return -1;
            }
            watch(ep, fd, want);
            return 0;
        }
        sent = SSL_write(c->ssl, buf, n);
        if (sent <= 0) {
            /* Kept until the peer takes it (SSL_write must be retried with the same bytes);
               reading pauses meanwhile. */
            uint32_t want = wanted(c->ssl, sent);
            if (want == 0 || (c->pending = malloc((size_t)n)) == NULL) {
                return -1;
            }
            memcpy(c->pending, buf, (size_t)n);
            c->len = (size_t)n;
            watch(ep, fd, want);
            return 0;
        }
    } while (SSL_has_pending(c->ssl));
    return 0;
}

/* Goes on with the handshake; -1 when it failed. */
static int handshake(int ep, int fd, char *buf) {
    struct conn *c = &conns[fd];
    int rc = SSL_do_handshake(c->ssl);
    if (rc == 1) {
        c->handshaken = 1;
        watch(ep, fd, EPOLLIN);
        return echo(ep, fd, buf); /* the client's first bytes may have come with its Finished */
    }
    uint32_t want = wanted(c->ssl, rc);
    if (want == 0) {
        return -1;
    }
    watch(ep, fd, want);
    return 0;
}

static SSL_CTX *server_context(const char *cert, const char *key) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") != 1 ||
        SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        ERR_print_errors_fp(stderr);
        fprintf(stderr, "openssl_echo: cannot set up TLS with %s and %s\n", cert, key);
        exit(1);
    }
    SSL_CTX_set_read_ahead(ctx, 1);
    SSL_CTX_set_default_read_buffer_len(ctx, BUFSIZE);
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return ctx;
}

int main(int argc, char *argv[]) {
    static char buf[BUFSIZE];
    struct epoll_event ev, events[MAXEVENTS];
    int ep, listener, one = 1;
    SSL_CTX *ctx;

    if (argc != 4) {
        fprintf(stderr, "USAGE: openssl_echo <port> <cert.pem> <key.pem>\n");
        exit(1);
    }
    signal(SIGPIPE, SIG_IGN); /* OpenSSL writes with send(2) without MSG_NOSIGNAL */
    ctx = server_context(argv[2], argv[3]);
    listener = listen_dual_stack(argv[1], SOCK_NONBLOCK);
    if ((ep = epoll_create1(0)) < 0) {
        Die("epoll_create1");
    }
    ev.events = EPOLLIN;
    ev.data.fd = listener;
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    for (;;) {
        int n = epoll_wait(ep, events, MAXEVENTS, -1);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd, rc;
            if (fd == listener) {
                int conn;
                while ((conn = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if ((size_t)conn >= nconns) {
                        size_t grown = (size_t)conn * 2 + 64;
                        struct conn *more = realloc(conns, grown * sizeof *more);
                        if (more == NULL) {
                            close(conn);
                            continue;
                        }
                        memset(more + nconns, 0, (grown - nconns) * sizeof *more);
                        conns = more;
                        nconns = grown;
                    }
                    setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    if ((conns[conn].ssl = SSL_new(ctx)) == NULL ||
                        SSL_set_fd(conns[conn].ssl, conn) != 1) {
                        SSL_free(conns[conn].ssl);
                        conns[conn].ssl = NULL;
                        close(conn);
                        continue;
                    }
                    SSL_set_accept_state(conns[conn].ssl);
                    conns[conn].events = EPOLLIN;
                    ev.events = EPOLLIN;
                    ev.data.fd = conn;
                    epoll_ctl(ep, EPOLL_CTL_ADD, conn, &ev);
                }
                continue;
            }
            if (!conns[fd].handshaken) {
                rc = handshake(ep, fd, buf);
            } else if (conns[fd].pending != NULL) {
                rc = flush(ep, fd);
                if (rc == 0) {
                    rc = echo(ep, fd, buf); /* what arrived while the peer was slow */
                } else if (rc > 0) {
                    rc = 0;
                }
            } else {
                rc = echo(ep, fd, buf);
            }
            if (rc < 0) {
                close_conn(ep, fd);
            }
        }
    }
}
