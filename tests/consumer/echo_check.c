/* echo_check: a program outside the sockit source tree, built against an installed sockit
 * (pkg-config or CMake) by `cargo xtask check-install`.
 *
 * It listens on a loopback port the system picks, connects to itself, sends a message,
 * echoes it back with the tutorial's HandleClient and checks every byte. It also checks
 * that the header it was compiled with and the library it runs with are the same version.
 * Prints "echo_check: ok (sockit <version>)" and exits 0, or says what failed and exits 1. */
#include <stdio.h>
#include <string.h>

#include "sockit.h"

static int fail(const char *what, int64_t code) {
    fprintf(stderr, "echo_check: %s: %s\n", what, sockit_strerror((int)code));
    return 1;
}

int main(void) {
    const char message[] = "hello from outside the tree";
    char header_version[32];
    char reply[64];
    sockit_socket listener, client, server;
    sockit_addr bound;
    int64_t n;
    int rc;

    snprintf(header_version, sizeof header_version, "%d.%d.%d", SOCKIT_VERSION_MAJOR,
             SOCKIT_VERSION_MINOR, SOCKIT_VERSION_PATCH);
    if (strcmp(header_version, sockit_version()) != 0) {
        fprintf(stderr, "echo_check: header %s but library %s\n", header_version,
                sockit_version());
        return 1;
    }
    if ((rc = sockit_tcp_listen("127.0.0.1", 0, 1, &listener)) < 0) return fail("listen", rc);
    if ((rc = sockit_local_addr(listener, &bound)) < 0) return fail("local address", rc);
    if ((rc = sockit_tcp_connect("127.0.0.1", bound.port, 5000, &client)) < 0)
        return fail("connect", rc);
    if ((rc = sockit_accept(listener, &server, NULL)) < 0) return fail("accept", rc);

    /* The whole message, then the end of the stream, so HandleClient's loop ends. */
    if ((n = sockit_send_all(client, message, strlen(message))) < 0) return fail("send", n);
    if ((rc = sockit_shutdown(client, SOCKIT_SHUT_WR)) < 0) return fail("shutdown", rc);
    HandleClient(server); /* echoes until the end of the stream, then closes server */

    if ((n = sockit_recv_to_end(client, reply, sizeof reply)) < 0) return fail("receive", n);
    if ((size_t)n != strlen(message) || memcmp(reply, message, (size_t)n) != 0) {
        fprintf(stderr, "echo_check: sent \"%s\", got \"%.*s\"\n", message, (int)n, reply);
        return 1;
    }
    sockit_close(client);
    sockit_close(listener);
    printf("echo_check: ok (sockit %s)\n", sockit_version());
    return 0;
}
