/*
 * check_bg.c: the engine's eventfd for background work (see check_bg.h).
 */
#include "probes/check/check_bg.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int efd = -1;

int check_bg_fd(void)
{
    pthread_mutex_lock(&mu);
    if (efd < 0)
        efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    int fd = efd;
    pthread_mutex_unlock(&mu);
    return fd;
}

void check_bg_notify(void)
{
    uint64_t one = 1;
    int fd = check_bg_fd();
    if (fd >= 0)
        (void)!write(fd, &one, sizeof one);
}

void check_bg_drain(void)
{
    uint64_t n;
    pthread_mutex_lock(&mu);
    int fd = efd;
    pthread_mutex_unlock(&mu);
    if (fd >= 0)
        (void)!read(fd, &n, sizeof n);
}
