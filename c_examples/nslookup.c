/*
 * nslookup: the sockets tutorial's bare nslookup utility, ported to sockit.
 *
 *     nslookup <name>
 *
 * Prints the addresses of a host name, one per line, the resolver's first choice first.
 * What changed from the tutorial: every address is printed, IPv6 ones too (the tutorial's
 * gethostbyname() knew IPv4 only and printed the first); the error says why the lookup failed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sockit.h"

#define MAX_ADDRS 64

int main(int argc, char **argv) {
    sockit_addr addrs[MAX_ADDRS];
    char text[SOCKIT_ADDRSTRLEN];
    int found, i;

    if (argc != 2) {
        fprintf(stderr, "USAGE: nslookup <inet_address>\n");
        exit(1);
    }
    found = sockit_resolve(argv[1], 0, SOCKIT_ANY, addrs, MAX_ADDRS);
    if (found < 0) {
        fprintf(stderr, "(mini) nslookup failed on '%s': %s\n", argv[1], sockit_strerror(found));
        exit(1);
    }
    for (i = 0; i < found && i < MAX_ADDRS; i++) {
        sockit_addr_format_ip(&addrs[i], text, sizeof text);
        fprintf(stdout, "%s\n", text);
    }
    exit(0);
}
