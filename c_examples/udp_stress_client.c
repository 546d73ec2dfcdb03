/*
 * udp_stress_client: part 2 of the sockets tutorial's threaded UDP client: fires count
 * requests at once, one thread each, all through one shared socket, and times the lot.
 *
 *     udp_stress_client <server> <word> <port> [count=20] [timeout=60]
 *
 * Thread n sends "<word> [n]" and waits for a reply; whichever reply comes is printed as
 * "Received: <reply>" (any thread may take any reply: the socket is shared). At the end it
 * prints "Total time: <seconds> seconds". Every reply must be one of the requests,
 * upper-cased, each exactly once; the program exits with status 1 if a reply is wrong,
 * repeated or missing (no reply for <timeout> seconds while some are outstanding).
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sockit.h"

#define MAXMSG 1024
#define POLL_MS 250 /* how often a waiting thread checks whether to give up */

static sockit_socket sock;
static sockit_addr server;
static const char *word;
static int count;
static double timeout = 60;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *answered;       /* answered[n]: the reply to request n has come */
static int wrong, missing;
static double last_reply;    /* when the last reply came (or the start) */

static double Now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Which request this reply answers: n if it is "<WORD> [n]", else -1. */
static int RequestNumber(const char *reply, size_t len) {
    char expected[MAXMSG];
    int n, i;
    for (n = 0; n < count; n++) {
        int elen = snprintf(expected, sizeof expected, "%s [%d]", word, n);
        for (i = 0; i < elen; i++) {
            expected[i] = (char)toupper((unsigned char)expected[i]);
        }
        if ((size_t)elen == len && memcmp(expected, reply, len) == 0) {
            return n;
        }
    }
    return -1;
}

static void *Request(void *arg) {
    int n = (int)(size_t)arg;
    char msg[MAXMSG], reply[MAXMSG];
    sockit_addr from;
    int64_t received;
    int len = snprintf(msg, sizeof msg, "%s [%d]", word, n);

    if (sockit_sendto(sock, msg, (size_t)len, &server) != len) {
        pthread_mutex_lock(&lock);
        fprintf(stderr, "udp_stress_client: send failed: %s\n",
                sockit_strerror(sockit_last_error()));
        missing++;
        pthread_mutex_unlock(&lock);
        return NULL;
    }
    for (;;) {
        received = sockit_recvfrom(sock, reply, sizeof reply, &from);
        pthread_mutex_lock(&lock);
        if (received >= 0 && sockit_addr_equal(&from, &server)) {
            int answers = RequestNumber(reply, (size_t)received);
            last_reply = Now();
            fprintf(stdout, "Received: ");
            fwrite(reply, 1, (size_t)received, stdout); /* any bytes, NULs too */
            fprintf(stdout, "\n");
            if (answers < 0 || answered[answers]) {
                fprintf(stderr, "udp_stress_client: unexpected reply \"%.*s\"\n",
                        (int)received, reply);
                wrong++;
            } else {
                answered[answers] = 1;
            }
            pthread_mutex_unlock(&lock);
            return NULL;
        }
        if (received < 0 && received != SOCKIT_ETIMEDOUT) {
            fprintf(stderr, "udp_stress_client: receive failed: %s\n",
                    sockit_strerror((int)received));
        }
        if (Now() - last_reply > timeout) {
            missing++;
            pthread_mutex_unlock(&lock);
            return NULL;
        }
        pthread_mutex_unlock(&lock);
    }
}

int main(int argc, char *argv[]) {
    pthread_t *threads;
    double start, elapsed;
    int port, n;

    if (argc < 4 || argc > 6) {
        fprintf(stderr, "USAGE: udp_stress_client <server> <word> <port> [count=20] "
                        "[timeout=60]\n");
        exit(1);
    }
    word = argv[2];
    count = argc > 4 ? atoi(argv[4]) : 20;
    timeout = argc > 5 ? atof(argv[5]) : 60;
    if ((port = sockit_parse_port(argv[3])) < 0) {
        Die("Invalid port");
    }
    if (count < 1 || count > 10000 || strlen(word) > MAXMSG / 2 || !(timeout > 0)) {
        fprintf(stderr, "udp_stress_client: count must be 1 to 10000, timeout positive, "
                        "word shorter\n");
        exit(1);
    }
    if (sockit_resolve(argv[1], port, SOCKIT_ANY, &server, 1) < 1) {
        Die("Failed to resolve the server");
    }
    if (sockit_udp_socket(server.family == SOCKIT_IPV6 ? SOCKIT_IPV6 : SOCKIT_IPV4,
                          &sock) < 0 ||
        sockit_set_read_timeout(sock, POLL_MS) < 0) {
        Die("Failed to create socket");
    }
    threads = calloc((size_t)count, sizeof *threads);
    answered = calloc((size_t)count, 1);
    if (threads == NULL || answered == NULL) {
        Die("Out of memory");
    }
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    start = last_reply = Now();
    for (n = 0; n < count; n++) {
        if (pthread_create(&threads[n], NULL, Request, (void *)(size_t)n) != 0) {
            Die("Failed to start a thread");
        }
    }
    for (n = 0; n < count; n++) {
        pthread_join(threads[n], NULL);
    }
    elapsed = Now() - start;
    fprintf(stdout, "Total time: %.2f seconds\n", elapsed);
    sockit_close(sock);
    free(threads);
    free(answered);
    if (wrong > 0 || missing > 0) {
        fprintf(stderr, "udp_stress_client: %d wrong, %d missing of %d\n", wrong, missing,
                count);
        return 1;
    }
    return 0;
}
