/*
 * hooks_exec.c: exec hooks on the loop: posix_spawn() of the configured
 * argv (no shell), in its own process group, with a clean environment
 * (hooks.h), the event JSON written to its stdin without blocking, its
 * output (stdout and stderr) read up to HOOKS_RESPONSE_MAX bytes and the
 * rest dropped, its exit seen through a pidfd on the loop, and SIGKILL to
 * the group at the timeout.
 */
#define _GNU_SOURCE
#include "service/hooks_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "service/loop.h"
#include "web/render_api.h"

void hooks_strv_free(char **v)
{
    if (v == NULL)
        return;
    for (char **p = v; *p != NULL; p++)
        free(*p);
    free(v);
}

static char *env_kv(const char *k, const char *v)
{
    size_t n = strlen(k) + strlen(v) + 2;
    char *s = malloc(n);
    if (s == NULL)
        return NULL;
    snprintf(s, n, "%s=%s", k, v);
    /* one line: a value with a line break is cut there */
    char *nl = strpbrk(s + strlen(k) + 1, "\r\n");
    if (nl != NULL)
        *nl = '\0';
    return s;
}

char **hooks_exec_env(const struct view_target *t, const char *event)
{
    enum { N = 12 };
    char **env = calloc(N, sizeof *env);
    if (env == NULL)
        return NULL;
    static const char *const upper[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
    int id = t->status == OA_STATE_OK         ? 0
             : t->status == OA_STATE_WARNING  ? 1
             : t->status == OA_STATE_CRITICAL ? 2
                                              : 3;
    if (view_target_pending(t))
        id = 3;
    char idbuf[4];
    snprintf(idbuf, sizeof idbuf, "%d", id);
    char codes[1024] = "";
    size_t n = 0;
    for (size_t i = 0; t->codes != NULL && i < t->ncodes && n + 64 < sizeof codes; i++) {
        const char *c = oa_diag_code_name(t->codes[i]);
        if (c != NULL)
            n += (size_t)snprintf(codes + n, sizeof codes - n, "%s%s", n ? "," : "", c);
    }
    size_t ll = 0;
    char *line = render_api_text_line(t, &ll);
    size_t k = 0;
    env[k++] = env_kv("PATH", "/usr/bin:/bin");
    env[k++] = env_kv("LANG", "C.UTF-8");
    env[k++] = env_kv("OAPROBE_EVENT", event);
    env[k++] = env_kv("OAPROBE_STATE", upper[id]);
    env[k++] = env_kv("OAPROBE_STATE_ID", idbuf);
    env[k++] = env_kv("OAPROBE_TARGET", t->name != NULL ? t->name : "");
    env[k++] = env_kv("OAPROBE_HOST", t->host != NULL ? t->host : "");
    env[k++] = env_kv("OAPROBE_OUTPUT", line != NULL ? line : "");
    env[k++] = env_kv("OAPROBE_CODES", codes);
    env[k++] = env_kv("OAPROBE_LOCATION", t->location != NULL ? t->location : "");
    free(line);
    for (size_t i = 0; i < k; i++)
        if (env[i] == NULL) {
            hooks_strv_free(env);
            return NULL;
        }
    return env;
}

static void close_fd(struct hooks *h, int *fd)
{
    if (*fd >= 0) {
        loop_fd_del(h->l, *fd);
        close(*fd);
        *fd = -1;
    }
}

/* The attempt is over when the child exited and its output is closed. */
static void maybe_done(struct delivery *d)
{
    if (!d->exited || d->out_fd >= 0)
        return;
    struct hooks *h = d->h;
    close_fd(h, &d->in_fd);
    close_fd(h, &d->pidfd);
    loop_timer_cancel(h->l, d->kill_timer);
    d->kill_timer = NULL;
    d->pid = 0;
    char why[96];
    int status = -1;
    bool ok = false;
    if (d->timed_out) {
        snprintf(why, sizeof why, "killed at its timeout (%llu ms)",
                 (unsigned long long)d->timeout_ms);
    } else if (WIFEXITED(d->wstatus)) {
        status = WEXITSTATUS(d->wstatus);
        ok = status == 0;
        snprintf(why, sizeof why, "exit status %d", status);
    } else {
        snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(d->wstatus));
    }
    hooks_attempt_done(d, ok, status, why);
}

static void on_out(void *arg, int fd, uint32_t ev)
{
    struct delivery *d = arg;
    (void)ev;
    for (;;) {
        char buf[4096];
        ssize_t r = read(fd, buf, sizeof buf);
        if (r > 0) {
            size_t room = sizeof d->resp - d->resp_len;
            size_t take = (size_t)r < room ? (size_t)r : room;
            memcpy(d->resp + d->resp_len, buf, take);
            d->resp_len += take;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN)
            return;
        break; /* EOF or error */
    }
    close_fd(d->h, &d->out_fd);
    maybe_done(d);
}

static void on_in(void *arg, int fd, uint32_t ev)
{
    struct delivery *d = arg;
    if ((ev & (EPOLLERR | EPOLLHUP)) == 0) {
        while (d->in_off < d->len) {
            ssize_t w = write(fd, d->body + d->in_off, d->len - d->in_off);
            if (w > 0) {
                d->in_off += (size_t)w;
                continue;
            }
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0 && errno == EAGAIN)
                return;
            break;
        }
    }
    close_fd(d->h, &d->in_fd); /* all written, or the child closed its stdin */
}

static void on_exit_fd(void *arg, int fd, uint32_t ev)
{
    struct delivery *d = arg;
    (void)fd;
    (void)ev;
    int st = 0;
    pid_t r = waitpid(d->pid, &st, WNOHANG);
    if (r == 0)
        return;
    d->exited = true;
    d->wstatus = r == d->pid ? st : 0;
    close_fd(d->h, &d->pidfd);
    if (d->out_fd >= 0)
        on_out(d, d->out_fd, EPOLLIN); /* whatever is left; EOF once the group is gone */
    if (d->timed_out && d->out_fd >= 0)
        close_fd(d->h, &d->out_fd); /* a killed hook's orphans may hold it */
    maybe_done(d);
}

static void on_kill(void *arg)
{
    struct delivery *d = arg;
    d->kill_timer = NULL;
    d->timed_out = true;
    if (d->pid > 0) {
        kill(-d->pid, SIGKILL);
        kill(d->pid, SIGKILL);
    }
}

int hooks_exec_start(struct delivery *d, char *why, size_t len)
{
    struct hooks *h = d->h;
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    d->exited = d->timed_out = false;
    d->in_off = 0;
    d->resp_len = 0;
    d->wstatus = 0;
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
        snprintf(why, len, "pipe: %s", strerror(errno));
        goto fail;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, out[1], 2);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, d->argv[0], &fa, &at, d->argv, d->envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (rc != 0) {
        snprintf(why, len, "cannot run %s: %s", d->argv[0], strerror(rc));
        goto fail;
    }
    close(in[0]);
    close(out[1]);
    in[0] = out[1] = -1;
    d->pid = pid;
    d->in_fd = in[1];
    d->out_fd = out[0];
    fcntl(d->in_fd, F_SETFL, O_NONBLOCK);
    fcntl(d->out_fd, F_SETFL, O_NONBLOCK);
    d->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (d->pidfd < 0 || loop_fd_add(h->l, d->pidfd, EPOLLIN, on_exit_fd, d) != 0 ||
        loop_fd_add(h->l, d->out_fd, EPOLLIN, on_out, d) != 0 ||
        loop_fd_add(h->l, d->in_fd, EPOLLOUT, on_in, d) != 0) {
        snprintf(why, len, "cannot watch the child: %s", strerror(errno));
        kill(-pid, SIGKILL);
        hooks_exec_cancel(d);
        return -1;
    }
    d->kill_timer = loop_timer_at(h->l, loop_now_ms(h->l) + (int64_t)d->timeout_ms, on_kill, d);
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (out[i] >= 0)
            close(out[i]);
    }
    return -1;
}

void hooks_exec_cancel(struct delivery *d)
{
    struct hooks *h = d->h;
    close_fd(h, &d->in_fd);
    close_fd(h, &d->out_fd);
    close_fd(h, &d->pidfd);
    loop_timer_cancel(h->l, d->kill_timer);
    d->kill_timer = NULL;
    if (d->pid > 0 && !d->exited) {
        kill(-d->pid, SIGKILL);
        kill(d->pid, SIGKILL);
        waitpid(d->pid, NULL, 0); /* SIGKILL: at once */
    }
    d->pid = 0;
}
