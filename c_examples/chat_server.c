/*
 * chat_server: a chat room on sockit's event loop.
 *
 *     chat_server <port> [cert.pem key.pem]
 *
 * Every line a client sends goes to every other client, prefixed with the sender's
 * address ("192.0.2.7:51234: hello"); joins and leaves are announced to the others
 * ("* 192.0.2.7:51234 joined", "... left"). A client that does not read is disconnected
 * once 1 MiB is queued for it, and the others never wait for it: writes are queued, never
 * blocking. Lines longer than 4096 bytes are dropped. Port 0 picks a free port; the port
 * in use is reported on stderr ("listening on [::]:<port>"). Try it with nc or telnet.
 * SIGINT or SIGTERM stops it.
 *
 * With a certificate chain and its key (PEM files), the room speaks TLS: try it with
 * "openssl s_client -connect localhost:<port>". A client whose handshake fails (it does not
 * speak TLS, or does not trust the certificate) never joins; the reason is said on stderr.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit.h"

#define MAX_LINE 4096
#define MAX_QUEUE (1024 * 1024)

/* One client: its handle, its name, and its place in the list of clients. */
struct client {
    sockit_handle conn;
    char name[SOCKIT_ADDRSTRLEN];
    struct client *prev, *next;
};

static struct client *clients; /* every client in the room */
static sockit_loop *loop;

/* Sends text to every client but one (the sender, or NULL for none). */
static void broadcast(sockit_loop *lp, const struct client *except, const char *text, size_t len) {
    struct client *c;
    for (c = clients; c != NULL; c = c->next) {
        if (c != except) {
            /* A failure concerns that client only: its on_queue_full or on_close deals with it. */
            sockit_loop_write(lp, c->conn, text, len);
        }
    }
}

static void announce(sockit_loop *lp, const struct client *who, const char *what) {
    char text[SOCKIT_ADDRSTRLEN + 16];
    int len = snprintf(text, sizeof text, "* %s %s\n", who->name, what);
    broadcast(lp, who, text, (size_t)len);
    printf("%s", text);
}

static void on_connect(sockit_loop *lp, sockit_handle conn, int status, void *data) {
    struct client *c;
    sockit_addr peer;
    char why[256];
    (void)data;
    if (status != SOCKIT_OK) {
        /* Only with TLS: the handshake failed (on_close follows, with no client to free). */
        sockit_tls_last_error_detail(why, sizeof why);
        fprintf(stderr, "chat_server: a TLS handshake failed: %s\n", why);
        return;
    }
    c = malloc(sizeof *c);
    if (c == NULL) {
        sockit_loop_abort(lp, conn);
        return;
    }
    c->conn = conn;
    if (sockit_loop_peer(lp, conn, &peer) < 0 || sockit_addr_format(&peer, c->name, sizeof c->name) < 0) {
        strcpy(c->name, "?");
    }
    c->prev = NULL;
    c->next = clients;
    if (clients != NULL) {
        clients->prev = c;
    }
    clients = c;
    sockit_handle_set_data(lp, conn, c);
    sockit_loop_set_queue_limit(lp, conn, MAX_QUEUE);
    sockit_loop_frame_delimited(lp, conn, "\n", 1, MAX_LINE);
    announce(lp, c, "joined");
}

static void on_message(sockit_loop *lp, sockit_handle conn, const void *msg, size_t len,
                       int status, void *data) {
    struct client *c = data;
    char *text;
    size_t name_len = strlen(c->name);
    (void)conn;
    if (status == SOCKIT_EMSGSIZE) {
        return; /* too long: dropped */
    }
    /* "<name>: <line>\n", the line without a \r from telnet */
    if (len > 0 && ((const char *)msg)[len - 1] == '\r') {
        len--;
    }
    text = malloc(name_len + len + 3);
    if (text == NULL) {
        return;
    }
    memcpy(text, c->name, name_len);
    memcpy(text + name_len, ": ", 2);
    memcpy(text + name_len + 2, msg, len);
    text[name_len + 2 + len] = '\n';
    broadcast(lp, c, text, name_len + len + 3);
    free(text);
}

/* The client does not read: disconnect it rather than queue more. */
static void on_queue_full(sockit_loop *lp, sockit_handle conn, size_t queued, void *data) {
    struct client *c = data;
    fprintf(stderr, "chat_server: %s reads too slowly (%lu bytes queued): disconnected\n",
            c->name, (unsigned long)queued);
    sockit_loop_abort(lp, conn);
}

static void on_eof(sockit_loop *lp, sockit_handle conn, void *data) {
    (void)data;
    sockit_loop_close(lp, conn);
}

static void on_close(sockit_loop *lp, sockit_handle conn, int status, void *data) {
    struct client *c = data;
    (void)conn;
    (void)status;
    if (c == NULL) {
        return; /* never joined */
    }
    if (c->prev != NULL) {
        c->prev->next = c->next;
    } else {
        clients = c->next;
    }
    if (c->next != NULL) {
        c->next->prev = c->prev;
    }
    announce(lp, c, "left");
    free(c);
}

static void stop(int sig) {
    (void)sig;
    sockit_loop_stop(loop); /* safe in a signal handler */
}

int main(int argc, char *argv[]) {
    sockit_loop_callbacks callbacks = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    sockit_tls_server_config *tls = NULL;
    sockit_handle listener;
    sockit_addr local;
    char text[SOCKIT_ADDRSTRLEN];
    int port;

    if (argc != 2 && argc != 4) {
        fprintf(stderr, "usage: chat_server <port> [cert.pem key.pem]\n");
        return 2;
    }
    if ((port = sockit_parse_port(argv[1])) < 0) {
        Die("Invalid port");
    }
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    callbacks.on_connect = on_connect;
    callbacks.on_message = on_message;
    callbacks.on_queue_full = on_queue_full;
    callbacks.on_eof = on_eof;
    callbacks.on_close = on_close;
    if (sockit_loop_new(&loop) < 0) {
        Die("Failed to create the loop");
    }
    if (sockit_loop_listen(loop, NULL, port, &callbacks, NULL, &listener) < 0) {
        Die("Failed to listen");
    }
    if (argc == 4) {
        /* Every client's handshake must be done within 10 s. */
        if (sockit_tls_server_config_new(argv[2], argv[3], &tls) < 0 ||
            sockit_loop_tls_server(loop, listener, tls, 10000) < 0) {
            Die("Failed to set up TLS");
        }
        sockit_tls_server_config_free(tls); /* the listener keeps what it needs */
    }
    if (sockit_loop_local_addr(loop, listener, &local) < 0 ||
        sockit_addr_format(&local, text, sizeof text) < 0) {
        Die("Failed to read the server address");
    }
    fprintf(stderr, "chat_server: listening on %s\n", text);
    signal(SIGINT, stop);
    signal(SIGTERM, stop);
    if (sockit_loop_run(loop) < 0) {
        Die("The loop failed");
    }
    sockit_loop_free(loop);
    return 0;
}
