/*
 * api_frag.c: the target list from per-target pieces (api_frag.h).
 */
#include "service/api_frag.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/render_api.h"

/* The pieces of the target at one position of the view's array. */
struct piece {
    const struct view_target *t; /* whose they are (compared, never read) */
    uint64_t gen;                /* t->generation they show */
    char *s;
    size_t len;
};

struct api_frags {
    struct piece *v[2]; /* [0] JSON summaries, [1] text lines */
    size_t n[2];
};

struct api_frags *api_frags_new(void)
{
    return calloc(1, sizeof(struct api_frags));
}

static void pieces_trim(struct api_frags *f, int k, size_t n)
{
    for (size_t i = n; i < f->n[k]; i++)
        free(f->v[k][i].s);
    if (n < f->n[k])
        f->n[k] = n;
}

void api_frags_free(struct api_frags *f)
{
    if (f == NULL)
        return;
    for (int k = 0; k < 2; k++) {
        pieces_trim(f, k, 0);
        free(f->v[k]);
    }
    free(f);
}

/* Brings the pieces of kind k up to date with s. Returns 0 or -1. */
static int refresh(struct api_frags *f, int k, const struct view_service *s, size_t *total)
{
    size_t n = s->ntargets;
    if (n > f->n[k]) {
        struct piece *p = realloc(f->v[k], n * sizeof *p);
        if (p == NULL)
            return -1;
        memset(p + f->n[k], 0, (n - f->n[k]) * sizeof *p);
        f->v[k] = p;
        f->n[k] = n;
    } else {
        pieces_trim(f, k, n);
    }
    *total = 0;
    for (size_t i = 0; i < n; i++) {
        struct piece *p = &f->v[k][i];
        const struct view_target *t = s->targets[i];
        if (t == NULL) {
            free(p->s);
            *p = (struct piece){0};
            continue;
        }
        if (p->s == NULL || p->t != t || p->gen != t->generation) {
            size_t len = 0;
            char *out = k == 0 ? render_api_target_summary_json(t, &len)
                               : render_api_text_line(t, &len);
            if (out == NULL)
                return -1;
            free(p->s);
            *p = (struct piece){.t = t, .gen = t->generation, .s = out, .len = len};
        }
        *total += p->len + 1;
    }
    return 0;
}

char *api_frags_targets(struct api_frags *f, const struct view_service *s, bool text,
                        size_t *len)
{
    if (f == NULL || s == NULL)
        return NULL;
    int k = text ? 1 : 0;
    size_t total = 0;
    if (refresh(f, k, s, &total) != 0)
        return NULL;
    static const char open[] = RENDER_API_TARGETS_OPEN, close[] = RENDER_API_TARGETS_CLOSE;
    char *out = malloc(total + sizeof open + sizeof close + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    if (!text) {
        memcpy(out, open, sizeof open - 1);
        o = sizeof open - 1;
    }
    bool first = true;
    for (size_t i = 0; i < f->n[k]; i++) {
        const struct piece *p = &f->v[k][i];
        if (p->s == NULL)
            continue;
        if (!text && !first)
            out[o++] = ',';
        memcpy(out + o, p->s, p->len);
        o += p->len;
        first = false;
    }
    if (!text) {
        memcpy(out + o, close, sizeof close - 1);
        o += sizeof close - 1;
    }
    out[o] = '\0';
    *len = o;
    return out;
}
