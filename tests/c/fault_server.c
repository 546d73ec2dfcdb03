/*
 * fault_server: an echo server on sockit's server framework, as a C program that links it
 * into a long-running server would write one; the fault suite (tests/faults/) attacks it and
 * then checks that it still answers and holds nothing it should have let go.
 *
 *     fault_server <tcp|udp> <iterative|threaded|forking|event-loop> [options]
 *       --idle MS      close TCP connections silent for MS milliseconds
 *       --nofile N     lower the descriptor limit (RLIMIT_NOFILE) to N first
 *
 * Reports "listening on 127.0.0.1:<port>" on stderr once it listens (loopback only, port
 * picked by the system), and prints "stopped" on stdout after a clean stop.
 * SIGTERM and SIGINT stop it through sockit_server_stop(); SIGUSR1 is caught and ignored,
 * without SA_RESTART, so that it interrupts whatever system call the server is in.
 */
#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L
#include <sys/resource.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit.h"

#define BUFSIZE 4096

static sockit_server *server;

static void StopServer(int signum) {
    (void)signum;
    sockit_server_stop(server);
}

#ifndef _WIN32
static void Interrupt(int signum) {
    (void)signum; /* only there to interrupt system calls */
}

/* Handlers without SA_RESTART: every blocking call in flight sees EINTR. */
static void Catch(int signum, void (*handler)(int)) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    if (sigaction(signum, &action, NULL) != 0) {
        Die("sigaction");
    }
}

static void LowerDescriptorLimit(const char *text) {
    struct rlimit limit;
    limit.rlim_cur = (rlim_t)strtoul(text, NULL, 10);
    limit.rlim_max = limit.rlim_cur;
    if (limit.rlim_cur < 8 || setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        Die("setrlimit");
    }
}
#endif

/* Blocking modes: receive and send back until the client closes or fails. */
static void HandleClientLoop(sockit_socket sock, const sockit_addr *client, void *user) {
    char buffer[BUFSIZE];
    int64_t received;

    (void)client;
    (void)user;
    while ((received = sockit_recv(sock, buffer, BUFSIZE)) > 0) {
        if (sockit_send_all(sock, buffer, (size_t)received) != received) {
            break;
        }
    }
}

/* Event loop: each chunk is queued back. */
static void OnData(sockit_conn *conn, const void *data, size_t len, void *user) {
    (void)user;
    sockit_conn_write(conn, data, len);
}

static void EchoDatagram(sockit_socket sock, const void *msg, size_t len,
                         const sockit_addr *client, void *user) {
    (void)user;
    sockit_sendto(sock, msg, len, client);
}

static void Usage(void) {
    fprintf(stderr, "USAGE: fault_server <tcp|udp> <mode> [--idle MS] [--nofile N]\n");
    exit(2);
}

int main(int argc, char *argv[]) {
    char text[SOCKIT_ADDRSTRLEN];
    sockit_addr address;
    int protocol, mode, rc, i, idle_ms = 0;

    if (argc < 3) {
        Usage();
    }
    if (strcmp(argv[1], "tcp") == 0) {
        protocol = SOCKIT_TCP;
    } else if (strcmp(argv[1], "udp") == 0) {
        protocol = SOCKIT_UDP;
    } else {
        Usage();
    }
    if ((mode = sockit_server_mode(argv[2])) < 0) {
        Usage();
    }
    for (i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--idle") == 0) {
            idle_ms = atoi(argv[i + 1]);
#ifndef _WIN32
        } else if (strcmp(argv[i], "--nofile") == 0) {
            LowerDescriptorLimit(argv[i + 1]);
#endif
        } else {
            Usage();
        }
    }
    if (i != argc) {
        Usage();
    }
    if (sockit_server_new(protocol, "127.0.0.1", 0, mode, &server) < 0) {
        Die("Failed to create the server");
    }
    if (protocol == SOCKIT_UDP) {
        rc = sockit_server_set_udp_handler(server, EchoDatagram, NULL);
    } else if (mode == SOCKIT_EVENT_LOOP) {
        rc = sockit_server_set_stream_handler(server, NULL, OnData, NULL, NULL);
    } else {
        rc = sockit_server_set_tcp_handler(server, HandleClientLoop, NULL);
    }
    if (rc < 0) {
        Die("Failed to set the handler");
    }
    if (idle_ms > 0 && sockit_server_set_idle_timeout(server, idle_ms) < 0) {
        Die("Failed to set the idle timeout");
    }
    if (sockit_server_set_grace(server, 2000) < 0) {
        Die("Failed to set the grace period");
    }
#ifdef _WIN32
    signal(SIGINT, StopServer);
    signal(SIGTERM, StopServer);
#else
    Catch(SIGINT, StopServer);
    Catch(SIGTERM, StopServer);
    Catch(SIGUSR1, Interrupt);
#endif
    if (sockit_server_addr(server, &address) < 0 ||
        sockit_addr_format(&address, text, sizeof text) < 0) {
        Die("Failed to read the server address");
    }
    fprintf(stderr, "fault_server: listening on %s\n", text);
    if (sockit_server_run(server) < 0) {
        Die("Server failed");
    }
    sockit_server_free(server);
    printf("stopped\n");
    return 0;
}
