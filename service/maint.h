/*
 * maint.h: when a maintenance window (config.h struct cfg_maint) is open,
 * and whom it covers. Recurring windows are read in their time zone (the
 * TZ database), so "sat 22:00-02:00 Europe/Berlin" follows daylight saving
 * time: a window starting at a local time that does not exist (the hour
 * skipped in spring) starts at the first instant after the gap; one
 * starting at a time that occurs twice (autumn) starts at the first of the
 * two. The duration is elapsed time.
 *
 * Threading: maint_occurrence() switches the process's TZ variable while it
 * converts times and restores it; call it from the loop thread only (the
 * one thread that reads local time).
 */
#ifndef OAPROBE_SERVICE_MAINT_H
#define OAPROBE_SERVICE_MAINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service/config.h"

/*
 * maint_occurrence: the occurrence of m that contains now_ms, else the next
 * one that starts after it: *start_ms and *end_ms (unix ms, end exclusive).
 * Returns 1 when now is inside it, 0 when it is in the future, -1 when m
 * has no occurrence left (a one-off window that ended) or is invalid.
 */
int maint_occurrence(const struct cfg_maint *m, int64_t now_ms, int64_t *start_ms,
                     int64_t *end_ms);

/* maint_active: maint_occurrence() == 1. */
bool maint_active(const struct cfg_maint *m, int64_t now_ms);

/*
 * maint_covers: does m cover the target called name with these labels
 * (keys/values, n entries)? By name, or by a selector whose every pair the
 * labels hold.
 */
bool maint_covers(const struct cfg_maint *m, const char *name, const struct cfg_label *labels,
                  size_t n);

#endif /* OAPROBE_SERVICE_MAINT_H */
