/* coldtouch.c -- does a trip through the kernel leave a process's TLB and
 * caches cold? The question behind every "cold after the kernel" figure.
 *
 *   coldtouch [-i ITERATIONS] PAGES...       e.g. taskset -c 0 coldtouch 1 8 32
 *
 * Each iteration sends one datagram to itself over loopback UDP and reads
 * it back (a server's recvmmsg/sendmmsg in miniature), then reads one line
 * in each of PAGES distinct 4 KB pages (the "first" pass), then another
 * line in each of the same pages (the "second" pass, whose translations
 * the first just loaded). Both sets of lines are read every iteration, so
 * both stay cached unless the kernel evicts them. If the system call
 * flushed the TLB (PTI without PCID), the first pass would pay a page walk
 * per page and cost well above the second. Output, in TSC cycles per
 * iteration (this VM, 2026-11-24: no flush; at 128 pages the first pass
 * pays ~5 cycles a page more, far below a page walk):
 *   pages 32: first 136, second 149, first - second per page -0.4
 *   pages 128: first 849, second 246, first - second per page 4.7
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <x86intrin.h>

#define PAGE     4096
#define MAXPAGES 512
#define STRIDE   (3 * PAGE)     /* pages apart: no next-page prefetch */

static volatile unsigned sink;  /* keeps the reads */

/* A UDP socket on 127.0.0.1 that sends to itself; its address in *self. */
static int
loop_socket(struct sockaddr_in *self)
{
	socklen_t len = sizeof(*self);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	memset(self, 0, sizeof(*self));
	self->sin_family = AF_INET;
	self->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)self, sizeof(*self)) < 0 ||
	    getsockname(fd, (struct sockaddr *)self, &len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One line in each of n pages, at line offset off (0..63) within each. */
static unsigned
touch(const volatile uint8_t *mem, int n, unsigned off)
{
	unsigned sum = 0;
	for (int i = 0; i < n; i++)
		sum += mem[(size_t)i * STRIDE + 64 * ((i + off) & 63)];
	return sum;
}

int
main(int argc, char **argv)
{
	long iters = 200000;
	int argi = 1;
	struct sockaddr_in self;
	char dgram[64] = { 0 };

	if (argc > 2 && strcmp(argv[1], "-i") == 0) {
		iters = strtol(argv[2], NULL, 10);
		argi = 3;
	}
	if (argi >= argc || iters <= 0) {
		fprintf(stderr, "usage: coldtouch [-i ITERATIONS] PAGES...\n");
		return 2;
	}
	size_t size = (size_t)MAXPAGES * STRIDE;
	uint8_t *mem = aligned_alloc(PAGE, size);
	int fd = loop_socket(&self);
	if (mem == NULL || fd < 0) {
		perror("coldtouch");
		return 1;
	}
	memset(mem, 1, size);
	for (; argi < argc; argi++) {
		int n = atoi(argv[argi]);
		uint64_t first = 0, second = 0;
		if (n < 1 || n > MAXPAGES) {
			fprintf(stderr, "coldtouch: PAGES must be 1..%d\n", MAXPAGES);
			return 2;
		}
		for (long it = 0; it < iters; it++) {
			if (sendto(fd, dgram, sizeof(dgram), 0,
			    (struct sockaddr *)&self, sizeof(self)) < 0 ||
			    recv(fd, dgram, sizeof(dgram), 0) < 0) {
				perror("coldtouch: loopback");
				return 1;
			}
			uint64_t t0 = __rdtsc();
			sink += touch(mem, n, 0);
			uint64_t t1 = __rdtsc();
			sink += touch(mem, n, 32);
			uint64_t t2 = __rdtsc();
			first += t1 - t0;
			second += t2 - t1;
		}
		printf("pages %d: first %.0f, second %.0f, "
		    "first - second per page %.1f\n", n,
		    (double)first / iters, (double)second / iters,
		    ((double)first - (double)second) / iters / n);
	}
	close(fd);
	free(mem);
	return 0;
}
