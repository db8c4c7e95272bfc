/*
 * store_util.c: what every store*.c uses: the statement cache,
 * transactions, input validation, the names table and the paging cursor.
 */
#include <stdio.h>
#include <string.h>

#include "service/store_int.h"

sqlite3_stmt *store_stmt(struct store *st, enum store_stmt slot, const char *sql)
{
    if (st->stmts[slot])
        return st->stmts[slot];
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                           &st->stmts[slot], NULL) != SQLITE_OK) {
        store_dberr(st, "prepare");
        sqlite3_finalize(st->stmts[slot]);
        st->stmts[slot] = NULL;
    }
    return st->stmts[slot];
}

int store_txn_begin(struct store *st)
{
    const char *sql = st->in_batch ? "SAVEPOINT item" : "BEGIN IMMEDIATE";
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return store_dberr(st, "begin");
    return 0;
}

int store_txn_end(struct store *st, int ok)
{
    const char *sql;
    if (st->in_batch)
        sql = ok ? "RELEASE item" : "ROLLBACK TO item; RELEASE item";
    else
        sql = ok ? "COMMIT" : "ROLLBACK";
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        int rc = store_dberr(st, ok ? "commit" : "rollback");
        if (ok && !st->in_batch)
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return 0;
}

int store_valid_name(const char *name)
{
    if (!name)
        return 0;
    size_t n = 0;
    for (const char *p = name; *p; p++, n++) {
        char c = *p;
        if (n >= STORE_NAME_MAX)
            return 0;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-'))
            return 0;
    }
    return n > 0;
}

int store_check_name(struct store *st, const char *field, const char *name)
{
    if (!name)
        return store_seterr(st, STORE_EINVAL, "%s: missing", field);
    if (!store_valid_name(name))
        return store_seterr(st, STORE_EINVAL,
                            "%s: not a target name (1 to %d characters of a-z 0-9 . _ -)",
                            field, STORE_NAME_MAX);
    return 0;
}

int store_delete_name(struct store *st, enum store_stmt slot, const char *sql,
                      const char *what, const char *name)
{
    if (!st)
        return STORE_EINVAL;
    int rc = store_check_name(st, "name", name);
    if (rc)
        return rc;
    sqlite3_stmt *s = store_stmt(st, slot, sql);
    if (!s)
        return STORE_EDB;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    sqlite3_reset(s);
    if (step != SQLITE_DONE)
        return store_dberr(st, what);
    return sqlite3_changes(st->db);
}

int store_check_text(struct store *st, const char *field, const char *s,
                     size_t max, int nullable)
{
    if (!s)
        return nullable ? 0 : store_seterr(st, STORE_EINVAL, "%s: missing", field);
    if (strnlen(s, max + 1) > max)
        return store_seterr(st, STORE_EINVAL, "%s: longer than %zu bytes", field, max);
    return 0;
}

static int valid_code(const char *c)
{
    size_t n = 0;
    for (; c[n]; n++) {
        char ch = c[n];
        if (n >= STORE_CODE_MAX)
            return 0;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '.' || ch == '-'))
            return 0;
    }
    return n > 0;
}

int store_codes_json(struct store *st, const char *const *codes, size_t ncodes,
                     char *buf)
{
    if (ncodes > STORE_CODES_MAX)
        return store_seterr(st, STORE_EINVAL, "codes: more than %d", STORE_CODES_MAX);
    if (ncodes && !codes)
        return store_seterr(st, STORE_EINVAL, "codes: missing");
    size_t o = 0;
    buf[o++] = '[';
    for (size_t i = 0; i < ncodes; i++) {
        if (!codes[i] || !valid_code(codes[i]))
            return store_seterr(st, STORE_EINVAL,
                                "codes[%zu]: not a diagnosis code (1 to %d of a-z 0-9 _ . -)",
                                i, STORE_CODE_MAX);
        size_t n = strlen(codes[i]);
        if (i)
            buf[o++] = ',';
        buf[o++] = '"';
        memcpy(buf + o, codes[i], n);
        o += n;
        buf[o++] = '"';
    }
    buf[o++] = ']';
    buf[o] = '\0';
    return 0;
}

int store_name_id(struct store *st, const char *name, int create, int64_t *id)
{
    sqlite3_stmt *s = store_stmt(st, SS_NAME_GET, "SELECT id FROM names WHERE name = ?1");
    if (!s)
        return STORE_EDB;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
        return 0;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return store_dberr(st, "names");
    if (!create)
        return STORE_ENOTFOUND;
    s = store_stmt(st, SS_NAME_ADD, "INSERT INTO names(name) VALUES (?1)");
    if (!s)
        return STORE_EDB;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return store_dberr(st, "names: insert");
    *id = sqlite3_last_insert_rowid(st->db);
    return 0;
}

size_t store_page_limit(size_t limit)
{
    if (limit == 0)
        return STORE_PAGE_DEFAULT;
    return limit > STORE_PAGE_MAX ? STORE_PAGE_MAX : limit;
}

const char *store_col_text(sqlite3_stmt *s, int col)
{
    if (sqlite3_column_type(s, col) == SQLITE_NULL)
        return NULL;
    return (const char *)sqlite3_column_text(s, col);
}

/*
 * The cursor: 22 bytes, base64url without padding (30 characters).
 *
 *   0      1      2              10             18        22
 *   +------+------+--------------+--------------+---------+
 *   | kind | ver  | time (BE64)  | id (BE64)    | check32 |
 *   +------+------+--------------+--------------+---------+
 *
 * check32 = FNV-1a over the first 18 bytes and the scope (target name or
 * ""), so a cursor altered by hand or taken from another target or listing
 * is refused. It is not a secret: it only turns mistakes into clear errors;
 * the values are bound parameters whatever they are.
 */
#define CURSOR_RAW 22
#define CURSOR_VERSION 1
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static uint32_t cursor_check(const unsigned char *raw, const char *scope)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < 18; i++)
        h = (h ^ raw[i]) * 16777619u;
    h = (h ^ 0xff) * 16777619u;
    for (const char *p = scope; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h;
}

static void put64(unsigned char *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--, u >>= 8)
        p[i] = (unsigned char)(u & 0xff);
}

static int64_t get64(const unsigned char *p)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = (u << 8) | p[i];
    return (int64_t)u;
}

void store_cursor_encode(enum store_cursor_kind kind, const char *scope, int64_t t,
                         int64_t id, char *out, size_t len)
{
    unsigned char raw[CURSOR_RAW + 2] = {0};
    raw[0] = (unsigned char)kind;
    raw[1] = CURSOR_VERSION;
    put64(raw + 2, t);
    put64(raw + 10, id);
    uint32_t c = cursor_check(raw, scope ? scope : "");
    raw[18] = (unsigned char)(c >> 24);
    raw[19] = (unsigned char)(c >> 16);
    raw[20] = (unsigned char)(c >> 8);
    raw[21] = (unsigned char)c;
    if (len < STORE_CURSOR_MAX) {
        if (len)
            out[0] = '\0';
        return;
    }
    size_t o = 0;
    for (size_t i = 0; i < CURSOR_RAW; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        size_t left = CURSOR_RAW - i;
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        if (left > 1)
            out[o++] = b64[(v >> 6) & 63];
        if (left > 2)
            out[o++] = b64[v & 63];
    }
    out[o] = '\0';
}

static int b64val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

int store_cursor_decode(struct store *st, enum store_cursor_kind kind,
                        const char *scope, const char *text, int64_t *t, int64_t *id)
{
    const size_t want = (CURSOR_RAW * 4 + 2) / 3; /* 30 */
    if (strnlen(text, want + 1) != want)
        return store_seterr(st, STORE_ECURSOR, "cursor: not a cursor of this listing "
                            "(wrong length)");
    unsigned char raw[CURSOR_RAW + 2] = {0};
    size_t o = 0;
    for (size_t i = 0; i < want; i += 4) {
        uint32_t v = 0;
        size_t n = want - i < 4 ? want - i : 4;
        for (size_t k = 0; k < 4; k++) {
            int d = k < n ? b64val(text[i + k]) : 0;
            if (d < 0)
                return store_seterr(st, STORE_ECURSOR, "cursor: not a cursor of this "
                                    "listing (bad character)");
            v = v << 6 | (uint32_t)d;
        }
        raw[o++] = (unsigned char)(v >> 16);
        if (n > 2)
            raw[o++] = (unsigned char)(v >> 8);
        if (n > 3)
            raw[o++] = (unsigned char)v;
    }
    uint32_t c = (uint32_t)raw[18] << 24 | (uint32_t)raw[19] << 16 |
                 (uint32_t)raw[20] << 8 | raw[21];
    if (raw[0] != (unsigned char)kind || raw[1] != CURSOR_VERSION ||
        c != cursor_check(raw, scope ? scope : ""))
        return store_seterr(st, STORE_ECURSOR, "cursor: not a cursor of this listing "
                            "(altered, or issued for another target or route)");
    *t = get64(raw + 2);
    *id = get64(raw + 10);
    return 0;
}

int store_check_record(struct store *st, const char *name, const char *field, const char *json,
                       size_t max, int64_t now)
{
    int rc;
    if ((rc = store_check_name(st, "name", name)) != 0 ||
        (rc = store_check_text(st, field, json, max, 0)) != 0)
        return rc;
    if (now < 0)
        return store_seterr(st, STORE_EINVAL, "now: negative");
    if ((rc = store_json_object(st, json)) < 0)
        return rc;
    if (rc == 0)
        return store_seterr(st, STORE_EINVAL, "%s: not a JSON object", field);
    return 0;
}

int store_json_object(struct store *st, const char *json)
{
    sqlite3_stmt *s = store_stmt(st, SS_JSON_OBJECT,
                                 "SELECT CASE WHEN json_valid(?1)"
                                 " THEN json_type(?1) = 'object' ELSE 0 END");
    if (!s)
        return STORE_EDB;
    sqlite3_bind_text(s, 1, json, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
    if (rc < 0)
        rc = store_dberr(st, "json");
    sqlite3_reset(s);
    return rc;
}
