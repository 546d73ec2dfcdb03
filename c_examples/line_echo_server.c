/*
 * line_echo_server: a line echo server in one callback, in any mode of the server framework.
 *
 *     line_echo_server <port> [iterative|threaded|forking|event-loop]
 *
 * Every line a client sends (up to 4096 bytes before its "\n") comes back whole, however the
 * bytes arrive: in pieces, or many lines in one piece. A longer line is answered with "line
 * too long"; a last line the client ends without a "\n" still comes back (with one). The
 * mode is the event loop unless named. Port 0 picks a free port; the port in use is reported
 * on stderr ("listening on [::]:<port>"). SIGINT or SIGTERM stops it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "sockit.h"

static sockit_server *server;

/* Called once per line, without its "\n"; sockit_conn_write_message() adds one. */
static void EchoLine(sockit_conn *conn, const void *line, size_t len, int status, void *user) {
    (void)user;
    if (status == SOCKIT_EMSGSIZE) {
        sockit_conn_write_message(conn, "line too long", 13);
    } else { /* SOCKIT_OK, or SOCKIT_ETRUNCATED: the last line, cut short */
        sockit_conn_write_message(conn, line, len);
    }
}

static void StopServer(int signum) {
    (void)signum;
    sockit_server_stop(server); /* safe in a signal handler */
}

int main(int argc, char *argv[]) {
    char text[SOCKIT_ADDRSTRLEN];
    sockit_addr address;
    int port, mode = SOCKIT_EVENT_LOOP;

    if (argc != 2 && argc != 3) {
        fprintf(stderr, "USAGE: line_echo_server <port> [iterative|threaded|forking|event-loop]\n");
        exit(1);
    }
    if ((port = sockit_parse_port(argv[1])) < 0) {
        Die("Invalid port");
    }
    if (argc == 3 && (mode = sockit_server_mode(argv[2])) < 0) {
        Die("Invalid mode");
    }
    if (sockit_server_new(SOCKIT_TCP, NULL, port, mode, &server) < 0) {
        Die("Failed to create the server");
    }
    if (sockit_server_set_delimited_handler(server, "\n", 1, 4096, EchoLine, NULL) < 0) {
        Die("Failed to set the handler");
    }
    if (sockit_server_addr(server, &address) < 0 ||
        sockit_addr_format(&address, text, sizeof text) < 0) {
        Die("Failed to read the server address");
    }
    signal(SIGINT, StopServer);
    signal(SIGTERM, StopServer);
    fprintf(stderr, "line_echo_server: listening on %s\n", text);
    if (sockit_server_run(server) < 0) {
        Die("Server failed");
    }
    sockit_server_free(server);
    return 0;
}
