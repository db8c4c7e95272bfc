/*
 * check_socktag.c: socket callbacks whose data outlives the transfer (see
 * check_socktag.h).
 */
#include "probes/check/check_socktag.h"

#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct socktag_sock {
    curl_socket_t fd;
    dev_t dev;
    ino_t ino;
    bool live;
};

struct check_socktag {
    struct check_xfer_obs *obs; /* NULL once the transfer is freed */
    unsigned open;              /* live entries in s[] */
    unsigned opened;            /* sockets opened in all */
    struct socktag_sock s[CHECK_SOCKTAG_MAX];
};

struct check_socktag *check_socktag_new(struct check_xfer_obs *obs)
{
    struct check_socktag *tag = calloc(1, sizeof *tag);
    if (tag != NULL)
        tag->obs = obs;
    return tag;
}

static void forget(struct check_socktag *tag, struct socktag_sock *s)
{
    s->live = false;
    if (tag->open > 0)
        tag->open--;
}

/* Is the tracked socket still the one open on its descriptor? */
static bool still_open(const struct socktag_sock *s)
{
    struct stat st;
    return fstat(s->fd, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino;
}

static curl_socket_t opensocket_cb(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct check_socktag *tag = ud;
    struct socktag_sock *slot = NULL;
    (void)purpose;
    for (size_t i = 0; i < CHECK_SOCKTAG_MAX; i++) {
        if (tag->s[i].live && !still_open(&tag->s[i]))
            forget(tag, &tag->s[i]); /* closed by libcurl without the callback */
        if (!tag->s[i].live && slot == NULL)
            slot = &tag->s[i];
    }
    if (slot == NULL)
        return CURL_SOCKET_BAD;
    curl_socket_t fd = socket(a->family, a->socktype, a->protocol);
    if (fd == CURL_SOCKET_BAD)
        return fd;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return CURL_SOCKET_BAD;
    }
    slot->fd = fd;
    slot->dev = st.st_dev;
    slot->ino = st.st_ino;
    slot->live = true;
    tag->open++;
    tag->opened++;
    return fd;
}

/* libcurl closes a socket: note whether it had been connected. libcurl's
 * CONNECT_TIME stays 0 until the whole filter chain (TLS included) is up, so
 * this is how a TLS tarpit is told from a filtered port. */
static int closesocket_cb(void *ud, curl_socket_t fd)
{
    struct check_socktag *tag = ud;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (tag->obs != NULL && getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
        tag->obs->tcp_connected = true;
    for (size_t i = 0; i < CHECK_SOCKTAG_MAX; i++)
        if (tag->s[i].live && tag->s[i].fd == fd && still_open(&tag->s[i])) {
            forget(tag, &tag->s[i]);
            break;
        }
    int rc = close(fd);
    if (tag->obs == NULL && tag->open == 0)
        free(tag);
    return rc;
}

CURLcode check_socktag_setopts(CURL *h, struct check_socktag *tag)
{
    CURLcode rc = curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, opensocket_cb);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, (void *)tag);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, closesocket_cb);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, (void *)tag);
    return rc;
}

unsigned check_socktag_opened(const struct check_socktag *tag)
{
    return tag != NULL ? tag->opened : 0;
}

void check_socktag_release(struct check_socktag *tag)
{
    if (tag == NULL)
        return;
    tag->obs = NULL;
    for (size_t i = 0; i < CHECK_SOCKTAG_MAX; i++)
        if (tag->s[i].live && !still_open(&tag->s[i]))
            forget(tag, &tag->s[i]);
    if (tag->open == 0)
        free(tag);
}
