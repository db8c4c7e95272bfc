/*
 * jsonutil.c: jansson helpers of the API renderers (see jsonutil.h).
 */
#include "web/jsonutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "probes/result/text.h"
#include "probes/result/timefmt.h"
#include "web/render_json.h"

json_t *ju_str(const char *s)
{
    if (s == NULL)
        return json_null();
    size_t n = strnlen(s, JU_STR_MAX + 1);
    if (n <= JU_STR_MAX) {
        json_t *j = json_stringn(s, n);
        if (j != NULL)
            return j;
    }
    char *tmp = malloc(JU_STR_MAX + 1);
    if (tmp == NULL)
        return NULL;
    size_t m = oa_text_copyn(tmp, JU_STR_MAX + 1, s, n, NULL);
    json_t *j = json_stringn(tmp, m);
    free(tmp);
    return j;
}

json_t *ju_str_or_null(const char *s)
{
    return s == NULL || s[0] == '\0' ? json_null() : ju_str(s);
}

size_t ju_clean(char *dst, size_t cap, const char *s)
{
    size_t n = oa_text_copyn(dst, cap, s, s != NULL ? strlen(s) : 0, NULL);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)dst[i];
        if (c < 0x20 || c == 0x7f)
            dst[i] = ' ';
    }
    return n;
}

int ju_time_fmt(int64_t ms, char *buf, size_t cap)
{
    if (ms <= 0) {
        if (cap > 0)
            buf[0] = '\0';
        return -1;
    }
    return oa_time_format_rfc3339(ms / 1000, (int)(ms % 1000), buf, cap);
}

json_t *ju_time_ms(int64_t ms)
{
    char buf[OA_TIME_RFC3339_MAX];
    if (ju_time_fmt(ms, buf, sizeof buf) < 0)
        return json_null();
    return json_string(buf);
}

json_t *ju_seconds(int64_t us)
{
    return json_real((double)(us > 0 ? us : 0) / 1e6);
}

json_t *ju_ratio(double r)
{
    if (!(r >= 0))
        return json_null();
    return json_real(r > 1 ? 1.0 : r);
}

int ju_set(json_t *obj, const char *key, json_t *value)
{
    return value != NULL && json_object_set_new(obj, key, value) == 0 ? 0 : -1;
}

int ju_append(json_t *arr, json_t *value)
{
    return value != NULL && json_array_append_new(arr, value) == 0 ? 0 : -1;
}

char *ju_dump(json_t *doc, size_t *len)
{
    if (doc == NULL)
        return NULL;
    char *s = json_dumps(doc, RENDER_JSON_FLAGS | JSON_COMPACT);
    json_decref(doc);
    if (s != NULL && len != NULL)
        *len = strlen(s);
    return s;
}
