/*
 * state.h: the check states shared by steps, diagnoses and the overall
 * result (ok, warning, critical, unknown, skipped), their names, and the
 * explicit worst-of ordering.
 *
 * The numeric values of enum oa_state carry no order. Never compare two
 * states with < or >: use oa_state_worst() / oa_state_rank().
 *
 * Worst-of ranking, from best to worst:
 *
 *     skipped < ok < warning < unknown < critical
 *
 * "unknown" ranks above "warning" on purpose: an unknown means a part of the
 * endpoint could not be checked at all, which must not hide behind a known,
 * milder warning (an expiring certificate). This is the order Icinga uses to
 * sort problems; monitoring-plugins' max_state_alt() puts warning above
 * unknown instead. "skipped" (a step that did not run because an earlier
 * one failed) never raises anything.
 */
#ifndef OAPROBE_RESULT_STATE_H
#define OAPROBE_RESULT_STATE_H

/* X(ENUM, "json name", "NAGIOS LABEL", nagios exit code) */
#define OA_STATES(X)                          \
    X(OK, "ok", "OK", 0)                      \
    X(WARNING, "warning", "WARNING", 1)       \
    X(CRITICAL, "critical", "CRITICAL", 2)    \
    X(UNKNOWN, "unknown", "UNKNOWN", 3)       \
    X(SKIPPED, "skipped", "SKIPPED", 0)

enum oa_state {
#define OA_STATE_ENUM_(e, name, label, rc) OA_STATE_##e,
    OA_STATES(OA_STATE_ENUM_)
#undef OA_STATE_ENUM_
    OA_STATE__COUNT
};

/*
 * oa_state_name: the lower-case machine name ("ok", "warning", "critical",
 * "unknown", "skipped"), as used in JSON. Returns "unknown" for a value out
 * of range. The string is static.
 */
const char *oa_state_name(enum oa_state s);

/*
 * oa_state_label: the upper-case label used in Nagios output ("OK",
 * "WARNING", ...). Returns "UNKNOWN" for a value out of range. Static string.
 */
const char *oa_state_label(enum oa_state s);

/*
 * oa_state_from_name: parse a machine name (case-sensitive, as produced by
 * oa_state_name). Returns 0 and sets *out, or -1 (unknown name, NULL args).
 */
int oa_state_from_name(const char *name, enum oa_state *out);

/*
 * oa_state_rank: the position of s in the worst-of order (0 = skipped,
 * 1 = ok, 2 = warning, 3 = unknown, 4 = critical). A value out of range
 * ranks as unknown.
 */
int oa_state_rank(enum oa_state s);

/*
 * oa_state_worst: the worse of a and b by the order above. An out-of-range
 * value counts as OA_STATE_UNKNOWN (and is returned as that).
 */
enum oa_state oa_state_worst(enum oa_state a, enum oa_state b);

/*
 * oa_state_exit_code: the monitoring-plugins exit code of a state
 * (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). "skipped" maps to 0; an
 * out-of-range value maps to 3.
 */
int oa_state_exit_code(enum oa_state s);

#endif /* OAPROBE_RESULT_STATE_H */
