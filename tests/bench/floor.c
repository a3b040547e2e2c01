/*
 * floor.c - the transport floor for `make bench`: the least a libfcgi
 * responder can do (accept, write a fixed page of N bytes, finish), forked
 * into as many processes as zhijia has workers.  What zhijia does above
 * this is the cost of being an application.
 *
 *   floor SOCKET BYTES WORKERS
 */
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: floor SOCKET BYTES WORKERS\n");
		return 2;
	}
	size_t n = strtoul(argv[2], NULL, 10);
	int workers = atoi(argv[3]);
	char *page = malloc(n + 1);
	memset(page, 'x', n);
	unlink(argv[1]);
	int fd = FCGX_OpenSocket(argv[1], 1024);
	if (fd < 0 || FCGX_Init() != 0)
		return 1;
	chmod(argv[1], 0666);
	for (int i = 0; i < workers; i++)
		if (fork() == 0) {
			FCGX_Request r;
			FCGX_InitRequest(&r, fd, 0);
			while (FCGX_Accept_r(&r) >= 0) {
				FCGX_PutS("Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n", r.out);
				FCGX_PutStr(page, (int)n, r.out);
				FCGX_Finish_r(&r);
			}
			_exit(0);
		}
	signal(SIGTERM, SIG_DFL);
	while (wait(NULL) > 0)
		;
	return 0;
}
