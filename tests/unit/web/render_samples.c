/*
 * render_samples.c: write every renderer's output for the sample view
 * (views.h) into a directory, one file per body, for the tests that check
 * them with real tools (promtool check metrics, the OpenAPI schemas).
 *
 *   render_samples DIR
 *
 * Files: targets.json, target-<name>.json, status.json, results.json,
 * incidents.json, error.json, accepted.json, events.txt, targets.txt,
 * metrics.txt, metrics-empty.txt, probe-<name>.txt (the /probe answer for
 * each target's latest result; none for a target without a record).
 * Exit 0, or 1 with a message on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "views.h"
#include "web/render_api.h"
#include "web/render_metrics.h"
#include "web/render_sse.h"

static int failed;

static void put(const char *dir, const char *name, char *body)
{
    if (body == NULL) {
        fprintf(stderr, "render_samples: rendering %s failed\n", name);
        failed = 1;
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(body, f) == EOF || fclose(f) != 0) {
        fprintf(stderr, "render_samples: cannot write %s\n", path);
        failed = 1;
    }
    free(body);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: render_samples DIR\n");
        return 1;
    }
    const char *dir = argv[1];
    struct views *v = views_new();
    if (v == NULL) {
        fprintf(stderr, "render_samples: out of memory\n");
        return 1;
    }
    put(dir, "targets.json", render_api_targets(&v->svc, NULL));
    for (size_t i = 0; i < VIEWS_N; i++) {
        char name[128];
        snprintf(name, sizeof name, "target-%s.json", v->t[i].name);
        put(dir, name, render_api_target(&v->t[i], NULL));
    }
    put(dir, "status.json", render_api_status(&v->svc, VIEWS_NOW, NULL));

    static const char *const codes[] = {"validports_missing_entry", "cert_expiring"};
    struct view_run runs[] = {
        {.started_at_ms = VIEWS_NOW - 60000, .duration_us = 1234567,
         .status = OA_STATE_CRITICAL, .codes = codes, .ncodes = 2, .lag_us = 1200,
         .steps_json = "[{\"name\":\"dns\",\"status\":\"ok\",\"duration_seconds\":0.012}]",
         .result_json = v->stored_json},
        {.started_at_ms = VIEWS_NOW - 120000, .duration_us = 184250, .status = OA_STATE_OK,
         .in_maintenance = 1, .overrun = 1},
    };
    put(dir, "results.json",
        render_api_results("contoso-vp", runs, 2, "eyJiZWZvcmUiOjE3NjM2ODk4ODAwMDB9", NULL));
    struct view_incident inc[] = {
        {.started_ms = VIEWS_NOW - 600000, .from = OA_STATE_OK, .to = OA_STATE_CRITICAL,
         .codes = codes, .ncodes = 1},
        {.started_ms = VIEWS_NOW - 86400000, .ended_ms = VIEWS_NOW - 86000000,
         .from = OA_STATE_OK, .to = OA_STATE_WARNING, .codes = codes + 1, .ncodes = 1},
        /* the first: a new target whose first run was not ok */
        {.started_ms = VIEWS_NOW - 2 * 86400000, .ended_ms = VIEWS_NOW - 2 * 86400000 + 600000,
         .from = OA_STATE__COUNT, .to = OA_STATE_CRITICAL, .codes = codes, .ncodes = 1},
    };
    put(dir, "incidents.json", render_api_incidents("contoso-vp", inc, 3, NULL, VIEWS_NOW, NULL));
    struct view_day days[3] = {
        {.start_ms = VIEWS_NOW / 86400000 * 86400000 - 2 * 86400000, .up = 280, .down = 8,
         .sum_ms = 280 * 190, .min_ms = 150, .max_ms = 900},
        {.start_ms = VIEWS_NOW / 86400000 * 86400000 - 86400000, .maint = 12, .min_ms = -1,
         .max_ms = -1},
        {.start_ms = VIEWS_NOW / 86400000 * 86400000, .up = 60, .down = 0, .sum_ms = 60 * 200,
         .min_ms = 180, .max_ms = 260},
    };
    put(dir, "daily.json", render_api_daily("contoso-vp", days, 3, NULL));
    struct view_day all[6];
    memcpy(all, days, sizeof days);
    memcpy(all + 3, days, sizeof days);
    all[3].down = 100;
    static const char *const names[] = {"contoso-mail", "contoso-vp"};
    put(dir, "daily-all.json", render_api_daily_all(names, 2, all, 3, NULL));
    put(dir, "error.json", render_api_error("not_found", "no target named \"x<y>\"", NULL));
    put(dir, "accepted.json",
        render_api_accepted("contoso-vp", "/api/v1/targets/contoso-vp", NULL));
    char *a = render_sse_result(&v->t[2], 41, NULL);
    char *b = render_sse_state(&v->t[2], OA_STATE_OK, VIEWS_NOW - 600000, 42, NULL);
    if (a != NULL && b != NULL) {
        size_t la = strlen(a), lb = strlen(b);
        char *ab = malloc(la + lb + 1);
        if (ab != NULL) {
            memcpy(ab, a, la);
            memcpy(ab + la, b, lb + 1);
        }
        put(dir, "events.txt", ab);
    } else {
        put(dir, "events.txt", NULL);
    }
    free(a);
    free(b);
    put(dir, "targets.txt", render_api_text_list(&v->svc, NULL));
    put(dir, "metrics.txt", render_metrics(&v->svc, NULL));
    for (size_t i = 0; i < VIEWS_N; i++) {
        char name[128];
        snprintf(name, sizeof name, "probe-%s.txt", v->t[i].name);
        put(dir, name, render_metrics_probe(v->t[i].latest, 14.5, NULL));
    }
    struct view_service empty = {.version = "0.1.0"};
    put(dir, "metrics-empty.txt", render_metrics(&empty, NULL));
    views_free(v);
    return failed;
}
