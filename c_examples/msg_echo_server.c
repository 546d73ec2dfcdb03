/*
 * msg_echo_server: an echo server for messages rather than bytes, the exercise that the
 * Python "Socket Programming HOWTO" leaves to its reader.
 *
 *     msg_echo_server [-l] <port>
 *
 * Each message is sent back as one message. Messages are length-prefixed (a 4-byte
 * big-endian length, then the bytes: any bytes, up to 64 KiB), or with -l, lines ending in
 * "\n" (up to 64 KiB). However the bytes arrive (a message in pieces, many messages in one
 * piece), the reader gives back one whole message at a time.
 *
 * Prints "Client connected: <ip>" for each client and "Client <ip>: <n> messages, <how it
 * ended>" when it leaves; a client that sends an oversize message is disconnected. Serves
 * many clients at once (a thread each, from the server framework). SIGINT or SIGTERM stops
 * it cleanly. The port in use is reported on stderr ("listening on [::]:<port>").
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit.h"

#define MAXMSG 65536

static sockit_server *server;
static int lines; /* -l: newline-delimited messages */

static void StopServer(int signum) {
    (void)signum;
    sockit_server_stop(server); /* safe in a signal handler */
}

static int SendMessage(sockit_socket sock, const char *msg, size_t len) {
    if (lines) {
        return sockit_send_delimited(sock, msg, len, "\n", 1);
    }
    return sockit_send_length_prefixed(sock, msg, len);
}

static void HandleMessages(sockit_socket sock, const sockit_addr *client, void *user) {
    char ip[SOCKIT_ADDRSTRLEN];
    sockit_reader *reader;
    const char *msg;
    int64_t len;
    long count = 0;
    int rc;

    (void)user;
    sockit_addr_format_ip(client, ip, sizeof ip);
    printf("Client connected: %s\n", ip);
    if (lines) {
        rc = sockit_reader_new_delimited(sock, "\n", 1, MAXMSG, &reader);
    } else {
        rc = sockit_reader_new_length_prefixed(sock, MAXMSG, &reader);
    }
    if (rc < 0) {
        fprintf(stderr, "Client %s: no reader: %s\n", ip, sockit_strerror(rc));
        return;
    }
    /* One whole message at a time, until the client closes or breaks the rules */
    while ((len = sockit_reader_next(reader, &msg)) >= 0) {
        if ((rc = SendMessage(sock, msg, (size_t)len)) < 0) {
            len = rc;
            break;
        }
        count++;
    }
    if (len == SOCKIT_EOF) {
        printf("Client %s: %ld messages, closed\n", ip, count);
    } else {
        printf("Client %s: %ld messages, then %s\n", ip, count, sockit_strerror((int)len));
    }
    sockit_reader_free(reader);
}

int main(int argc, char *argv[]) {
    char text[SOCKIT_ADDRSTRLEN];
    sockit_addr address;
    int port;

    if (argc == 3 && strcmp(argv[1], "-l") == 0) {
        lines = 1;
        argv++;
        argc--;
    }
    if (argc != 2) {
        fprintf(stderr, "USAGE: msg_echo_server [-l] <port>\n");
        exit(1);
    }
    if ((port = sockit_parse_port(argv[1])) < 0) {
        Die("Invalid port");
    }
    if (sockit_server_new(SOCKIT_TCP, NULL, port, SOCKIT_THREADED, &server) < 0) {
        Die("Failed to create the server");
    }
    if (sockit_server_set_tcp_handler(server, HandleMessages, NULL) < 0) {
        Die("Failed to set the handler");
    }
    if (sockit_server_addr(server, &address) < 0 ||
        sockit_addr_format(&address, text, sizeof text) < 0) {
        Die("Failed to read the server address");
    }
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    signal(SIGINT, StopServer);
    signal(SIGTERM, StopServer);
    fprintf(stderr, "msg_echo_server: %s messages, listening on %s\n",
            lines ? "line" : "length-prefixed", text);
    if (sockit_server_run(server) < 0) {
        Die("Server failed");
    }
    sockit_server_free(server);
    fprintf(stderr, "msg_echo_server: stopped\n");
    return 0;
}
