/*
 * tls_get: fetches a page over HTTPS and prints it, as `curl` would.
 *
 *     tls_get https://<host>[:<port>]/<path> [ca.pem]
 *
 * Connects to host (port 443 unless given), checks its certificate against the system's
 * authorities (or those of ca.pem) and the name in the URL (sent to the server as SNI when
 * it is a name, not an IP address), offers ALPN "http/1.1", sends a GET and prints the
 * reply's status line and body on stdout. On stderr it says what was agreed:
 * "tls_get: TLSv1.3, ALPN http/1.1, server CN=localhost".
 *
 * The body is read as long as the Content-Length header says, or to the end of the
 * stream; a stream that ends without the server's close_notify before the body is complete
 * is reported as truncated, never taken for the whole page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit.h"

#define TIMEOUT_MS 10000
#define MAX_REPLY (1024 * 1024)

static void DieTls(const char *mess) {
    char detail[512];
    if (sockit_tls_last_error_detail(detail, sizeof detail) > 0) {
        fprintf(stderr, "tls_get: %s\n", detail);
    }
    Die(mess);
}

/* Splits "https://host[:port]/path" into its parts; 0 on success. */
static int ParseUrl(const char *url, char *host, size_t host_len, int *port, const char **path) {
    const char *start, *end, *colon;
    size_t len;

    if (strncmp(url, "https://", 8) != 0) {
        return -1;
    }
    start = url + 8;
    end = start + strcspn(start, "/");
    *path = *end ? end : "/";
    /* An IPv6 literal is written in brackets: https://[::1]:8443/ */
    colon = NULL;
    if (*start == '[') {
        const char *close = memchr(start, ']', (size_t)(end - start));
        if (close == NULL) {
            return -1;
        }
        if (close + 1 < end && close[1] == ':') {
            colon = close + 1;
        }
        start++;
        len = (size_t)(close - start);
    } else {
        colon = memchr(start, ':', (size_t)(end - start));
        len = (size_t)((colon ? colon : end) - start);
    }
    if (len == 0 || len >= host_len) {
        return -1;
    }
    memcpy(host, start, len);
    host[len] = '\0';
    *port = 443;
    if (colon) {
        char digits[8];
        size_t n = (size_t)(end - colon - 1);
        if (n == 0 || n >= sizeof digits) {
            return -1;
        }
        memcpy(digits, colon + 1, n);
        digits[n] = '\0';
        if ((*port = sockit_parse_port(digits)) < 0) {
            return -1;
        }
    }
    return 0;
}

/* The value of the Content-Length header, or -1 if there is none. */
static long ContentLength(const char *headers) {
    const char *line = headers;
    while ((line = strstr(line, "\r\n")) != NULL) {
        line += 2;
        if (strncmp(line, "Content-Length:", 15) == 0 || strncmp(line, "content-length:", 15) == 0) {
            return strtol(line + 15, NULL, 10);
        }
    }
    return -1;
}

int main(int argc, char *argv[]) {
    sockit_tls_client_config *config;
    sockit_tls *tls;
    char host[1025], request[4096], alpn[256], subject[512];
    char *reply, *body;
    const char *path;
    size_t got = 0;
    long length = -1;
    int port;
    int64_t n = 0;

    if (argc != 2 && argc != 3) {
        fprintf(stderr, "USAGE: tls_get https://<host>[:<port>]/<path> [ca.pem]\n");
        exit(1);
    }
    if (ParseUrl(argv[1], host, sizeof host, &port, &path) != 0) {
        fprintf(stderr, "tls_get: not an https:// URL: %s\n", argv[1]);
        exit(1);
    }
    if (sockit_tls_client_config_new(&config) < 0 ||
        sockit_tls_client_config_alpn(config, "http/1.1") < 0) {
        DieTls("Failed to make a TLS configuration");
    }
    if (argc == 3 && sockit_tls_client_config_trust_file(config, argv[2]) < 0) {
        DieTls("Failed to read the CA file");
    }
    if (sockit_tls_connect(host, port, config, TIMEOUT_MS, &tls) < 0) {
        DieTls("Failed to connect with server");
    }
    sockit_tls_alpn(tls, alpn, sizeof alpn);
    sockit_tls_peer_subject(tls, subject, sizeof subject);
    fprintf(stderr, "tls_get: %s, ALPN %s, server %s\n", sockit_tls_version(tls),
            alpn[0] ? alpn : "(none)", subject);

    snprintf(request, sizeof request,
             "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tls_get\r\nConnection: close\r\n\r\n",
             path, host);
    if (sockit_tls_send_all(tls, request, strlen(request)) < 0) {
        DieTls("Failed to send the request");
    }
    if ((reply = malloc(MAX_REPLY + 1)) == NULL) {
        Die("Out of memory");
    }
    /* Read until the headers and Content-Length bytes of body, or the end of the stream */
    body = NULL;
    while (got < MAX_REPLY) {
        n = sockit_tls_recv(tls, reply + got, MAX_REPLY - got);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
        reply[got] = '\0';
        if (body == NULL && (body = strstr(reply, "\r\n\r\n")) != NULL) {
            body += 4;
            *(body - 2) = '\0';
            length = ContentLength(reply);
            *(body - 2) = '\r';
        }
        if (body != NULL && length >= 0 && got - (size_t)(body - reply) >= (size_t)length) {
            n = 0;
            break;
        }
    }
    if (n < 0) {
        DieTls("Failed to receive the page");
    }
    if (body == NULL) {
        fprintf(stderr, "tls_get: no HTTP reply\n");
        exit(1);
    }
    /* The status line, then the body */
    fwrite(reply, 1, strcspn(reply, "\r\n"), stdout);
    fprintf(stdout, "\n");
    fwrite(body, 1, got - (size_t)(body - reply), stdout);
    free(reply);
    sockit_tls_shutdown(tls);
    sockit_tls_free(tls);
    sockit_tls_client_config_free(config);
    return 0;
}
