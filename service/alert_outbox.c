/*
 * alert_outbox.c: the notification an alert still owes (see alert_outbox.h).
 */
#include "service/alert_outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int alert_hook_key(char *out, size_t len, const char *kind, const char *name)
{
    if (out == NULL || len == 0 || kind == NULL || name == NULL)
        return -1;
    int n = snprintf(out, len, "%s:%s", kind, name);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

void alert_pending_clear(struct alert_pending *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->to[i]);
    free(p->to);
    memset(p, 0, sizeof *p);
}

bool alert_pending_has(const struct alert_pending *p, const char *key)
{
    for (size_t i = 0; p != NULL && key != NULL && i < p->n; i++)
        if (strcmp(p->to[i], key) == 0)
            return true;
    return false;
}

int alert_pending_set(struct alert_pending *p, enum alert_event event, const char *const *keys,
                      size_t n)
{
    if (p == NULL)
        return -1;
    alert_pending_clear(p);
    if (event == ALERT_NONE || n == 0)
        return 0;
    if (keys == NULL || n > ALERT_PENDING_MAX || (p->to = calloc(n, sizeof *p->to)) == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (keys[i] == NULL || strlen(keys[i]) >= ALERT_HOOK_KEY_MAX) {
            alert_pending_clear(p);
            return -1;
        }
        if (alert_pending_has(p, keys[i]))
            continue;
        if ((p->to[p->n] = strdup(keys[i])) == NULL) {
            alert_pending_clear(p);
            return -1;
        }
        p->n++;
    }
    p->event = event;
    return 0;
}

bool alert_pending_done(struct alert_pending *p, const char *key)
{
    for (size_t i = 0; p != NULL && key != NULL && i < p->n; i++)
        if (strcmp(p->to[i], key) == 0) {
            free(p->to[i]);
            p->to[i] = p->to[--p->n];
            if (p->n == 0) {
                free(p->to);
                p->to = NULL;
                p->event = ALERT_NONE;
            }
            return true;
        }
    return false;
}

enum alert_record alert_record_of(const struct alert_state *s, const struct alert_pending *p)
{
    if (s != NULL && s->firing)
        return ALERT_RECORD_PUT;
    return p != NULL && p->event != ALERT_NONE && p->n > 0 ? ALERT_RECORD_PUT : ALERT_RECORD_NONE;
}
