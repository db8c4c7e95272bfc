/*
 * api_frag.h: GET /api/v1/targets built from per-target pieces. Each
 * target's summary (JSON) and text line are rendered once per change of
 * the target (view_target.generation) and kept; the list body is their
 * concatenation. At 10,000 targets and ~170 results a second a rebuild
 * renders the ~170 targets that changed and copies the rest, instead of
 * rendering 10,000. The pieces take about as much memory as the list body
 * itself (one JSON summary and, once text was asked for, one text line per
 * target). Loop thread only.
 */
#ifndef OAPROBE_SERVICE_API_FRAG_H
#define OAPROBE_SERVICE_API_FRAG_H

#include <stdbool.h>
#include <stddef.h>

#include "web/view.h"

struct api_frags;

struct api_frags *api_frags_new(void);
void api_frags_free(struct api_frags *f);

/* api_frags_targets: the body of GET /api/v1/targets for s (text: the
 * one-line-per-target form), byte for byte what render_api_targets /
 * render_api_text_list give. malloc'd, *len set; NULL when out of memory. */
char *api_frags_targets(struct api_frags *f, const struct view_service *s, bool text,
                        size_t *len);

#endif /* OAPROBE_SERVICE_API_FRAG_H */
