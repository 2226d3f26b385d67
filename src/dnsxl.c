/* dnsxl.c -- the offline tool: check data and config, look addresses up. */
#include <stdio.h>
#include <string.h>

#include "version.h"

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("dnsxl %s\n", DNSXL_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: dnsxl check|lookup ...\n");
	return 2;
}
