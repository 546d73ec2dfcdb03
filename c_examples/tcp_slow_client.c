/*
 * tcp_slow_client: part 2 of the sockets tutorial's "slow connection" client: count threads
 * each connect, send "<word> [n]" one byte at a time with a pause between bytes, then read
 * the echo one byte at a time with the same pause. Against a server that serves one client
 * at a time, the clients wait for each other; against one that multiplexes, they do not.
 *
 *     tcp_slow_client <server> <word> <port> [count=20] [delay_ms=100]
 *
 * Prints "Received: <echo>" for each client and "Total time: <seconds> seconds" at the end;
 * exits with status 1 if any echo is missing or differs from what was sent.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sockit.h"

#define MAXMSG 1024
#define CONNECT_TIMEOUT_MS 10000

static const char *host;
static const char *word;
static int port, count, delay_ms = 100;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int failures;

static double Now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void Pause(void) {
    struct timespec delay;
    delay.tv_sec = delay_ms / 1000;
    delay.tv_nsec = (long)(delay_ms % 1000) * 1000000L;
    while (nanosleep(&delay, &delay) != 0) {
        /* interrupted: sleep the rest */
    }
}

static void Fail(int n, const char *what, int code) {
    pthread_mutex_lock(&lock);
    fprintf(stderr, "tcp_slow_client: client %d: %s: %s\n", n, what, sockit_strerror(code));
    failures++;
    pthread_mutex_unlock(&lock);
}

static void *SlowClient(void *arg) {
    int n = (int)(size_t)arg;
    char msg[MAXMSG], echo[MAXMSG];
    sockit_socket sock;
    int len = snprintf(msg, sizeof msg, "%s [%d]", word, n);
    int i, rc;
    /* Long enough to wait for every other client being served first, one at a time */
    int read_timeout_ms = 30000 + 2 * count * len * delay_ms;

    if ((rc = sockit_tcp_connect(host, port, CONNECT_TIMEOUT_MS, &sock)) < 0) {
        Fail(n, "connect", rc);
        return NULL;
    }
    sockit_set_read_timeout(sock, read_timeout_ms);
    for (i = 0; i < len; i++) {
        if ((rc = (int)sockit_send_all(sock, &msg[i], 1)) != 1) {
            Fail(n, "send", rc);
            sockit_close(sock);
            return NULL;
        }
        Pause();
    }
    for (i = 0; i < len; i++) {
        if ((rc = (int)sockit_recv_exact(sock, &echo[i], 1)) != 1) {
            Fail(n, "receive", rc);
            sockit_close(sock);
            return NULL;
        }
        Pause();
    }
    sockit_close(sock);
    pthread_mutex_lock(&lock);
    fprintf(stdout, "Received: ");
    fwrite(echo, 1, (size_t)len, stdout); /* any bytes, NULs too */
    fprintf(stdout, "\n");
    if (memcmp(msg, echo, (size_t)len) != 0) {
        fprintf(stderr, "tcp_slow_client: client %d: sent \"%s\", got \"%.*s\"\n", n, msg,
                len, echo);
        failures++;
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(int argc, char *argv[]) {
    pthread_t *threads;
    double start;
    int n;

    if (argc < 4 || argc > 6) {
        fprintf(stderr, "USAGE: tcp_slow_client <server> <word> <port> [count=20] "
                        "[delay_ms=100]\n");
        exit(1);
    }
    host = argv[1];
    word = argv[2];
    count = argc > 4 ? atoi(argv[4]) : 20;
    delay_ms = argc > 5 ? atoi(argv[5]) : 100;
    if ((port = sockit_parse_port(argv[3])) < 0) {
        Die("Invalid port");
    }
    if (count < 1 || count > 10000 || delay_ms < 0 || delay_ms > 10000 ||
        strlen(word) > MAXMSG / 2) {
        fprintf(stderr, "tcp_slow_client: count must be 1 to 10000, delay_ms 0 to 10000, "
                        "word shorter\n");
        exit(1);
    }
    threads = calloc((size_t)count, sizeof *threads);
    if (threads == NULL) {
        Die("Out of memory");
    }
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    start = Now();
    for (n = 0; n < count; n++) {
        if (pthread_create(&threads[n], NULL, SlowClient, (void *)(size_t)n) != 0) {
            Die("Failed to start a thread");
        }
    }
    for (n = 0; n < count; n++) {
        pthread_join(threads[n], NULL);
    }
    fprintf(stdout, "Total time: %.2f seconds\n", Now() - start);
    free(threads);
    if (failures > 0) {
        fprintf(stderr, "tcp_slow_client: %d of %d clients failed\n", failures, count);
        return 1;
    }
    return 0;
}
