/*
 * tls_echo_client: the sockets tutorial's TCP echo client, with TLS.
 *
 *     tls_echo_client <server> <word> <port> [ca.pem]
 *
 * Connects, checks the server's certificate, sends the word, reads the echo back 32 bytes
 * at a time until as many bytes came back as were sent, prints "Received: <word>", and ends
 * the stream cleanly (close_notify). What changed from tcp_echo_client:
 * - sockit_tls_connect() connects and makes the handshake: the certificate must be issued
 *   by an authority this client trusts (the system's, or those of ca.pem) and be valid now
 *   for <server>, the name or IP address given;
 * - sockit_tls_send_all() and sockit_tls_recv() in place of the socket calls;
 * - a failure says why in rustls' words (sockit_tls_last_error_detail()) before Die().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit.h"

#define BUFFSIZE 32
#define CONNECT_TIMEOUT_MS 10000

/* Says what went wrong with TLS, then gives up as Die() does. */
static void DieTls(const char *mess) {
    char detail[512];
    if (sockit_tls_last_error_detail(detail, sizeof detail) > 0) {
        fprintf(stderr, "tls_echo_client: %s\n", detail);
    }
    Die(mess);
}

int main(int argc, char *argv[]) {
    sockit_tls_client_config *config;
    sockit_tls *tls;
    char buffer[BUFFSIZE];
    size_t echolen;
    size_t received = 0;
    int port;

    if (argc != 4 && argc != 5) {
        fprintf(stderr, "USAGE: tls_echo_client <server> <word> <port> [ca.pem]\n");
        exit(1);
    }
    if ((port = sockit_parse_port(argv[3])) < 0) {
        Die("Invalid port");
    }
    /* Whom to trust: the system's authorities, or those of ca.pem */
    if (sockit_tls_client_config_new(&config) < 0) {
        DieTls("Failed to make a TLS configuration");
    }
    if (argc == 5 && sockit_tls_client_config_trust_file(config, argv[4]) < 0) {
        DieTls("Failed to read the CA file");
    }
    /* Establish the connection and check who answers */
    if (sockit_tls_connect(argv[1], port, config, CONNECT_TIMEOUT_MS, &tls) < 0) {
        DieTls("Failed to connect with server");
    }
    /* Send the word to the server */
    echolen = strlen(argv[2]);
    if (sockit_tls_send_all(tls, argv[2], echolen) != (int64_t)echolen) {
        DieTls("Mismatch in number of sent bytes");
    }
    /* Receive the word back from the server */
    fprintf(stdout, "Received: ");
    while (received < echolen) {
        int64_t bytes = sockit_tls_recv(tls, buffer, BUFFSIZE);
        if (bytes < 1) {
            fprintf(stdout, "\n");
            DieTls("Failed to receive bytes from server");
        }
        received += (size_t)bytes;
        fwrite(buffer, 1, (size_t)bytes, stdout);
    }
    fprintf(stdout, "\n");
    sockit_tls_shutdown(tls);
    sockit_tls_free(tls);
    sockit_tls_client_config_free(config);
    exit(0);
}
