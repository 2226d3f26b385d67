/* dnsxld.c -- the DNSxL server: command line, then the serving loop. */
#include <stdio.h>
#include <string.h>

#include "version.h"

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("dnsxld %s\n", DNSXL_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: dnsxld [options] zone:type:file[,file...] ...\n");
	return 2;
}
