/*
 * tls_echo_server: the sockets tutorial's TCP echo server, with TLS.
 *
 *     tls_echo_server <port> <cert.pem> <key.pem> [client-ca.pem] [mode]
 *
 * Listens on every address, accepts one client at a time, makes the TLS handshake, prints
 * "Client connected: <ip>" and echoes to it until it closes. With client-ca.pem, only
 * clients presenting a certificate from that authority are served (mutual TLS), and the
 * line names them: "Client connected: <ip> (CN=...)". What changed from tcp_echo_server:
 * - the server's certificate chain and key are read once, into a configuration that every
 *   connection shares;
 * - sockit_tls_accept() makes the handshake on each accepted connection, within 5 s: a
 *   client that does not speak TLS, stalls half way, or is refused ends that client only,
 *   with a line on stderr saying why, and the server goes on;
 * - the echo uses sockit_tls_recv() and sockit_tls_send_all(); a client that vanishes
 *   without a close_notify is reported ("truncated"), and each echo ends with one.
 * With a mode (iterative, threaded, forking, event-loop: sockit_server_mode()'s names), the
 * server framework serves in that mode instead of the loop in main(): sockit_server_set_tls()
 * makes it a TLS server, which makes each handshake itself (a client that fails it is
 * dropped, without a line) and gives HandleTlsClient the established stream; in the event
 * loop, whose handlers must not block, stream callbacks echo the plaintext instead (and the
 * line names no client certificate).
 */
#include <stdio.h>
#include <stdlib.h>

#include "sockit.h"

#define MAXPENDING 5 /* Max connection requests */
#define BUFFSIZE 32
#define HANDSHAKE_TIMEOUT_MS 5000

/* Echoes until the client ends its side; says on stderr if it did not end cleanly. */
static void EchoTls(sockit_tls *tls) {
    char buffer[BUFFSIZE];
    int64_t received;

    while ((received = sockit_tls_recv(tls, buffer, BUFFSIZE)) > 0) {
        if (sockit_tls_send_all(tls, buffer, (size_t)received) != received) {
            break;
        }
    }
    if (received < 0) {
        fprintf(stderr, "tls_echo_server: client ended: %s\n", sockit_strerror((int)received));
    } else {
        sockit_tls_shutdown(tls);
    }
}

/* Serves one client whose handshake is done: says who it is, then echoes. */
static void HandleTlsClient(sockit_tls *tls, const sockit_addr *client, void *user) {
    char text[SOCKIT_ADDRSTRLEN];
    char subject[512];

    (void)user;
    sockit_addr_format_ip(client, text, sizeof text);
    if (sockit_tls_peer_subject(tls, subject, sizeof subject) > 0) {
        fprintf(stdout, "Client connected: %s (%s)\n", text, subject);
    } else {
        fprintf(stdout, "Client connected: %s\n", text);
    }
    EchoTls(tls);
}

/* Event loop: a client whose handshake is done, then each chunk of plaintext it sends. */
static void OnOpen(sockit_conn *conn, void *user) {
    sockit_addr client;
    char text[SOCKIT_ADDRSTRLEN];

    (void)user;
    if (sockit_conn_peer(conn, &client) == SOCKIT_OK) {
        sockit_addr_format_ip(&client, text, sizeof text);
        fprintf(stdout, "Client connected: %s\n", text);
    }
}

static void OnData(sockit_conn *conn, const void *data, size_t len, void *user) {
    (void)user;
    sockit_conn_write(conn, data, len); /* encrypted and queued; never blocks */
}

/* The same server on the server framework, in the given mode; runs until killed. */
static void ServeInMode(sockit_tls_server_config *config, int port, int mode) {
    sockit_server *server;
    sockit_addr echoserver;
    char text[SOCKIT_ADDRSTRLEN];
    int rc;

    if (sockit_server_new(SOCKIT_TCP, NULL, port, mode, &server) < 0) {
        Die("Failed to listen on server socket");
    }
    /* The server makes each handshake, and frees each stream after HandleTlsClient */
    if (sockit_server_set_tls(server, config) < 0) {
        Die("Failed to make a TLS server");
    }
    if (mode == SOCKIT_EVENT_LOOP) {
        rc = sockit_server_set_stream_handler(server, OnOpen, OnData, NULL, NULL);
    } else {
        rc = sockit_server_set_tls_handler(server, HandleTlsClient, NULL);
    }
    if (rc < 0) {
        Die("Failed to set the handler");
    }
    if (sockit_server_addr(server, &echoserver) < 0 ||
        sockit_addr_format(&echoserver, text, sizeof text) < 0) {
        Die("Failed to read the server address");
    }
    fprintf(stderr, "tls_echo_server: listening on %s\n", text);
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    if (sockit_server_run(server) < 0) {
        Die("Failed to run the server");
    }
    sockit_server_free(server);
}

int main(int argc, char *argv[]) {
    sockit_socket serversock, clientsock;
    sockit_addr echoserver, echoclient;
    sockit_tls_server_config *config;
    sockit_tls *tls;
    char text[SOCKIT_ADDRSTRLEN];
    char detail[512];
    int port, rc, mode = 0;

    /* A last argument that names a mode is the mode */
    if (argc > 4 && sockit_server_mode(argv[argc - 1]) > 0) {
        mode = sockit_server_mode(argv[--argc]);
    }
    if (argc != 4 && argc != 5) {
        fprintf(stderr,
                "USAGE: tls_echo_server <port> <cert.pem> <key.pem> [client-ca.pem] [mode]\n");
        exit(1);
    }
    if ((port = sockit_parse_port(argv[1])) < 0) {
        Die("Invalid port");
    }
    /* The server's certificate and key, and whom to ask for a certificate */
    if (sockit_tls_server_config_new(argv[2], argv[3], &config) < 0) {
        sockit_tls_last_error_detail(detail, sizeof detail);
        fprintf(stderr, "tls_echo_server: %s\n", detail);
        Die("Failed to load the certificate and key");
    }
    if (argc == 5 && sockit_tls_server_config_client_ca(config, argv[4]) < 0) {
        Die("Failed to load the client CA file");
    }
    if (mode > 0) {
        ServeInMode(config, port, mode);
        sockit_tls_server_config_free(config);
        exit(0);
    }
    /* Create the socket, bind it to every address (IPv4 and IPv6) and listen */
    if (sockit_tcp_listen(NULL, port, MAXPENDING, &serversock) < 0) {
        Die("Failed to listen on server socket");
    }
    if (sockit_local_addr(serversock, &echoserver) < 0 ||
        sockit_addr_format(&echoserver, text, sizeof text) < 0) {
        Die("Failed to read the server address");
    }
    fprintf(stderr, "tls_echo_server: listening on %s\n", text);
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    /* Run until cancelled */
    while (1) {
        /* Wait for client connection */
        if (sockit_accept(serversock, &clientsock, &echoclient) < 0) {
            Die("Failed to accept client connection");
        }
        sockit_addr_format_ip(&echoclient, text, sizeof text);
        /* The handshake: a client that fails it ends here, and the next is served */
        if ((rc = sockit_tls_accept(clientsock, config, HANDSHAKE_TIMEOUT_MS, &tls)) < 0) {
            sockit_tls_last_error_detail(detail, sizeof detail);
            fprintf(stderr, "tls_echo_server: handshake with %s failed: %s (%s)\n", text,
                    sockit_err_name(rc), detail);
            sockit_close(clientsock);
            continue;
        }
        HandleTlsClient(tls, &echoclient, NULL);
        sockit_tls_free(tls);
    }
}
