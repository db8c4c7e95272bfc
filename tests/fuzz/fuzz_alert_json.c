/*
 * fuzz_alert_json.c: a stored alert state (alert_json_read: the record of
 * the `alerts` table read back at start, service/alert_json.h, with what it
 * still owes); a record that parses is written again and must read back
 * the same.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service/alert_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    struct alert_state st;
    struct alert_saved saved;
    struct alert_pending p = {0}, p2 = {0};
    char err[200];
    if (alert_json_read(s, "fuzz", &st, &saved, &p, err, sizeof err) == 0) {
        struct view_target v;
        alert_saved_view(&saved, 1, &v);
        char *again = alert_json_write(&st, &v, &p);
        struct alert_state st2;
        if (again == NULL || alert_json_read(again, "fuzz", &st2, NULL, &p2, NULL, 0) != 0 ||
            st2.firing != st.firing || st2.severity != st.severity || st2.code != st.code ||
            st2.starts_ms != st.starts_ms || st2.notified_ms != st.notified_ms ||
            st2.ends_ms != st.ends_ms || p2.event != p.event || p2.n != p.n)
            abort();
        for (size_t i = 0; i < p.n; i++)
            if (!alert_pending_has(&p2, p.to[i]))
                abort();
        free(again);
        alert_saved_clear(&saved);
        alert_pending_clear(&p);
        alert_pending_clear(&p2);
    }
    free(s);
    return 0;
}
