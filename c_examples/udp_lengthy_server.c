/*
 * udp_lengthy_server: part 2 of the sockets tutorial's UDP server with a "lengthy action":
 * each request takes a while (a sleep stands in for real work), then the message goes back
 * upper-cased.
 *
 *     udp_lengthy_server <port> <iterative|threaded|forking|event-loop> [seconds=5]
 *
 * iterative serves one request at a time, so 20 requests take 20 times as long; threaded
 * and forking serve each on its own thread or child process; event-loop cannot sleep (it
 * would hold up every other request), so it schedules each reply on a timer instead.
 * seconds may have a fraction ("0.25"). SIGINT or SIGTERM stops the server cleanly: requests
 * in flight get a few seconds to finish. The port in use is reported on stderr.
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _WIN32
#include <windows.h>
#endif

#include "sockit.h"

#define MAXMSG 65536

static sockit_server *server;
static double seconds = 5;

static void StopServer(int signum) {
    (void)signum;
    sockit_server_stop(server); /* safe in a signal handler */
}

static void SleepSeconds(double s) {
#ifdef _WIN32
    Sleep((DWORD)(s * 1000));
#else
    struct timespec delay;
    delay.tv_sec = (time_t)s;
    delay.tv_nsec = (long)((s - (double)delay.tv_sec) * 1e9);
    while (nanosleep(&delay, &delay) != 0) {
        /* interrupted: sleep the rest */
    }
#endif
}

static void ReplyUpperCase(sockit_socket sock, char *msg, size_t len,
                           const sockit_addr *client) {
    size_t i;
    for (i = 0; i < len; i++) {
        msg[i] = (char)toupper((unsigned char)msg[i]);
    }
    if (sockit_sendto(sock, msg, len, client) < 0) {
        fprintf(stderr, "udp_lengthy_server: reply lost: %s\n",
                sockit_strerror(sockit_last_error()));
    }
}

static void PrintClient(const sockit_addr *client) {
    char text[SOCKIT_ADDRSTRLEN];
    sockit_addr_format_ip(client, text, sizeof text);
    fprintf(stdout, "Handling client %s\n", text);
}

/* iterative, threaded, forking: do the lengthy action right here. */
static void HandleRequest(sockit_socket sock, const void *msg, size_t len,
                          const sockit_addr *client, void *user) {
    char reply[MAXMSG];

    (void)user;
    PrintClient(client);
    memcpy(reply, msg, len);
    SleepSeconds(seconds);
    ReplyUpperCase(sock, reply, len, client);
}

/* event-loop: keep the request and reply when its timer fires. */
struct request {
    sockit_socket sock;
    sockit_addr client;
    size_t len;
    char msg[MAXMSG];
};

static void ReplyLater(int status, void *arg) {
    struct request *req = arg;
    if (status == SOCKIT_OK) {
        ReplyUpperCase(req->sock, req->msg, req->len, &req->client);
    }
    free(req); /* called once either way: fired, or cancelled because the server stopped */
}

static void ScheduleRequest(sockit_socket sock, const void *msg, size_t len,
                            const sockit_addr *client, void *user) {
    struct request *req = malloc(sizeof *req);

    (void)user;
    if (req == NULL) {
        return; /* dropped, as UDP may drop any datagram */
    }
    PrintClient(client);
    req->sock = sock;
    req->client = *client;
    req->len = len;
    memcpy(req->msg, msg, len);
    if (sockit_server_timer(server, (int)(seconds * 1000), ReplyLater, req) < 0) {
        free(req);
    }
}

int main(int argc, char *argv[]) {
    char text[SOCKIT_ADDRSTRLEN];
    sockit_addr address;
    int port, mode, rc;
    char *end;

    if (argc != 3 && argc != 4) {
        fprintf(stderr, "USAGE: udp_lengthy_server <port> "
                        "<iterative|threaded|forking|event-loop> [seconds=5]\n");
        exit(1);
    }
    if ((port = sockit_parse_port(argv[1])) < 0) {
        Die("Invalid port");
    }
    if ((mode = sockit_server_mode(argv[2])) < 0) {
        Die("Invalid mode");
    }
    if (argc == 4) {
        seconds = strtod(argv[3], &end);
        if (*end != '\0' || end == argv[3] || !(seconds >= 0 && seconds <= 3600)) {
            fprintf(stderr, "udp_lengthy_server: seconds must be 0 to 3600\n");
            exit(1);
        }
    }
    if (sockit_server_new(SOCKIT_UDP, NULL, port, mode, &server) < 0) {
        Die("Failed to create the server");
    }
    rc = sockit_server_set_udp_handler(
        server, mode == SOCKIT_EVENT_LOOP ? ScheduleRequest : HandleRequest, NULL);
    if (rc < 0) {
        Die("Failed to set the handler");
    }
    if (sockit_server_addr(server, &address) < 0 ||
        sockit_addr_format(&address, text, sizeof text) < 0) {
        Die("Failed to read the server address");
    }
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    signal(SIGINT, StopServer);
    signal(SIGTERM, StopServer);
    fprintf(stderr, "udp_lengthy_server: %s server listening on %s\n", argv[2], text);
    if (sockit_server_run(server) < 0) {
        Die("Server failed");
    }
    sockit_server_free(server);
    fprintf(stderr, "udp_lengthy_server: stopped\n");
    return 0;
}
