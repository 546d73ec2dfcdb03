/*
 * interrupt_check: every kind of blocking sockit call, made while a timer signal arrives
 * every millisecond (a handler without SA_RESTART, so each system call in flight fails with
 * EINTR). sockit must retry them: each call prints the result it would have had without the
 * signals, and the timeouts still expire on time instead of restarting forever. A child
 * process plays the slow peer. tests/faults/interruptions.rs compares the lines.
 *
 *     interrupt_check
 */
#ifdef _WIN32
#include <stdio.h>
int main(void) {
    printf("interrupt_check: Unix signals only\n");
    return 0;
}
#else
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sockit.h"

#define TRICKLE 200
#define BULK (4 * 1024 * 1024)

static volatile sig_atomic_t caught;

static void Tick(int signum) {
    (void)signum;
    caught++;
}

static void show(const char *call, long long rc) {
    if (rc < 0) {
        printf("%s: %s\n", call, sockit_err_name((int)rc));
    } else {
        printf("%s: %lld\n", call, rc);
    }
    fflush(stdout);
}

/* Microseconds on the monotonic clock. */
static long long now_us(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000000LL + now.tv_nsec / 1000;
}

/* Whether a call that timed out after ms took that long: never less, and it ended (a
 * timeout that started again with each signal would take for ever under a signal every
 * millisecond; 30 s is only "it ended", not a speed: speed is for benchmarks). */
static void show_on_time(long long started, long ms) {
    long long took = now_us() - started;
    printf("  took the %ld ms, not less, and ended: %s\n", ms,
           took >= ms * 1000LL && took < 30 * 1000000LL ? "yes" : "no");
    fflush(stdout);
}

static void must(long long rc, const char *what) {
    if (rc < 0) {
        Die(what);
    }
}

static void pause_ms(long ms) {
    struct timespec wait;
    wait.tv_sec = ms / 1000;
    wait.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&wait, &wait) != 0) {
        /* interrupted: sleep the rest */
    }
}

/* The slow peer: connects late, trickles bytes, reads slowly, sends a bulk reply, then a
 * datagram. Its timer is not running (fork does not inherit it). */
static void peer(int tcp_port, const sockit_addr *udp_to) {
    sockit_socket sock, udp;
    static char bulk[BULK];
    char byte = 'x';
    int64_t got;
    size_t total = 0;
    int i;

    pause_ms(50);
    must(sockit_tcp_connect("127.0.0.1", tcp_port, 5000, &sock), "peer connect");
    for (i = 0; i < TRICKLE; i++) {
        must(sockit_send_all(sock, &byte, 1), "peer trickle");
        if (i % 20 == 0) {
            pause_ms(5);
        }
    }
    while (total < BULK) {
        got = sockit_recv(sock, bulk, 16 * 1024);
        must(got, "peer read");
        if (got == 0) {
            Die("peer: early end");
        }
        total += (size_t)got;
        pause_ms(1);
    }
    memset(bulk, 'y', sizeof bulk);
    must(sockit_send_all(sock, bulk, BULK), "peer bulk");
    sockit_close(sock);
    pause_ms(100);
    must(sockit_udp_socket(SOCKIT_IPV4, &udp), "peer udp");
    must(sockit_sendto(udp, "hello", 5, udp_to), "peer sendto");
    sockit_close(udp);
    exit(0);
}

int main(void) {
    static char bulk[BULK + 1];
    sockit_socket listener, conn, silent, udp, quiet;
    sockit_addr where, udp_addr, quiet_addr, from;
    struct sigaction action;
    struct itimerval every_ms;
    sockit_pollfd entry;
    char reply[16];
    long long started;
    int status;
    pid_t child;

    must(sockit_tcp_listen("127.0.0.1", 0, 16, &listener), "listen");
    must(sockit_local_addr(listener, &where), "listener address");
    must(sockit_udp_bind("127.0.0.1", 0, &udp), "udp bind");
    must(sockit_local_addr(udp, &udp_addr), "udp address");
    must(sockit_udp_bind("127.0.0.1", 0, &quiet), "quiet udp bind");
    must(sockit_local_addr(quiet, &quiet_addr), "quiet address");
    fflush(stdout);
    if ((child = fork()) < 0) {
        Die("fork");
    }
    if (child == 0) {
        peer(where.port, &udp_addr);
    }

    memset(&action, 0, sizeof action);
    action.sa_handler = Tick;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGALRM, &action, NULL) != 0) {
        Die("sigaction");
    }
    every_ms.it_interval.tv_sec = 0;
    every_ms.it_interval.tv_usec = 1000;
    every_ms.it_value = every_ms.it_interval;
    if (setitimer(ITIMER_REAL, &every_ms, NULL) != 0) {
        Die("setitimer");
    }

    /* The peer connects 50 ms after the fork; then a second client of our own listener
     * connects (left in the queue) and never sends anything. */
    show("sockit_accept", sockit_accept(listener, &conn, NULL));
    show("sockit_tcp_connect", sockit_tcp_connect("127.0.0.1", where.port, 5000, &silent));
    show("sockit_recv_exact (a byte every 5 ms)", sockit_recv_exact(conn, bulk, TRICKLE));
    memset(bulk, 'z', BULK);
    show("sockit_send_all (4 MiB to a slow reader)", sockit_send_all(conn, bulk, BULK));
    show("sockit_recv_to_end", sockit_recv_to_end(conn, bulk, sizeof bulk));
    must(sockit_set_read_timeout(silent, 300), "read timeout");
    started = now_us();
    show("sockit_recv with a 300 ms read timeout", sockit_recv(silent, reply, sizeof reply));
    show_on_time(started, 300);
    entry.sock = silent;
    entry.events = SOCKIT_POLL_READ;
    entry.revents = 0;
    started = now_us();
    show("sockit_poll for 300 ms", sockit_poll(&entry, 1, 300));
    show_on_time(started, 300);
    show("sockit_recvfrom", sockit_recvfrom(udp, reply, sizeof reply, &from));
    started = now_us();
    show("sockit_echo_udp_exchange with a 300 ms timeout",
         sockit_echo_udp_exchange(udp, &quiet_addr, "ping", 4, reply, sizeof reply, 300));
    show_on_time(started, 300);

    every_ms.it_value.tv_usec = 0;
    every_ms.it_interval.tv_usec = 0;
    setitimer(ITIMER_REAL, &every_ms, NULL);
    while (waitpid(child, &status, 0) < 0) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("peer failed\n");
        return 1;
    }
    printf("signals caught: %s\n", caught > 100 ? "many" : "few");
    sockit_close(conn);
    sockit_close(silent);
    sockit_close(listener);
    sockit_close(udp);
    sockit_close(quiet);
    return 0;
}
#endif
