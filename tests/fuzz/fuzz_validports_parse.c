/*
 * fuzz_validports_parse.c: vp_parse on arbitrary bytes, then vp_lint_run
 * against a fixed name list, checking the invariants:
 *   - entries are well formed (1 <= low <= high, names without ':' ';' '*'),
 *     diagnostics point inside the value, the return code matches the counts;
 *   - every (name, port) check agrees with vp_allows;
 *   - the corrected value re-parses without errors, is complete for the same
 *     names, and is a fixed point (linting it again changes nothing).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/validports/vp_lint.h"
#include "probes/validports/vp_match.h"
#include "probes/validports/vp_parse.h"

#define CHECK(x) \
    do { \
        if (!(x)) \
            abort(); \
    } while (0)

static const char *const names[] = {"EXCH01", "exch01.contoso.local", "mail.contoso.com",
                                    "10.0.0.5", "fe80::1"};

static void check_list(const struct vp_list *l, size_t size, int rc)
{
    CHECK(l->n_entries <= VP_ENTRIES_MAX);
    CHECK(l->n_diags <= VP_DIAGS_MAX);
    CHECK(l->n_diags <= l->n_errors + l->n_warnings);
    if (rc == 0)
        CHECK(l->n_errors == 0);
    if (rc == WIRE_INVALID)
        CHECK(l->n_errors > 0);
    for (size_t i = 0; i < l->n_entries; i++) {
        const struct vp_entry *e = &l->entries[i];
        CHECK(e->low >= 1 && e->low <= e->high);
        CHECK(e->name_len <= VP_NAME_MAX && strlen(e->name) == e->name_len);
        CHECK(!strpbrk(e->name, ":;*"));
        CHECK(e->wildcard || e->name_len > 0);
        CHECK(e->off + e->len <= l->text_len);
    }
    for (size_t i = 0; i < l->n_diags; i++) {
        const struct vp_diag *d = &l->diags[i];
        CHECK(d->col <= size + 1);
        CHECK(d->tok_off + d->tok_len <= l->text_len);
        CHECK(d->entry_off + d->entry_len <= l->text_len);
        CHECK(d->why != NULL);
    }
}

static void check_lint(const struct vp_list *l, const struct vp_lint *L)
{
    CHECK(L->n_checks == L->n_names * L->n_ports);
    size_t missing = 0;
    for (size_t i = 0; i < L->n_checks; i++) {
        const struct vp_entry *m = NULL;
        bool ok = vp_allows(l, L->names[L->checks[i].name], L->checks[i].port, &m);
        CHECK(ok == (L->checks[i].entry != NULL) && m == L->checks[i].entry);
        missing += !ok;
    }
    CHECK(missing == L->n_missing);
    CHECK(L->complete == (missing == 0));
    CHECK(strlen(L->corrected) == L->corrected_len);
    for (size_t i = 0; i < L->n_redundant; i++)
        CHECK(L->redundant[i].n_by > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vp_list *l = NULL, *l2 = NULL;
    struct vp_lint *L = NULL, *L2 = NULL;
    int rc = vp_parse((const char *)data, size, &l, NULL);
    if (!l)
        return 0; /* out of memory only */
    check_list(l, size, rc);
    struct vp_lint_opts o = {names, sizeof names / sizeof names[0], NULL, 0};
    CHECK(vp_lint_run(l, &o, &L, NULL) == 0);
    check_lint(l, L);
    if (L->corrected_fits) {
        CHECK(vp_parse(L->corrected, L->corrected_len, &l2, NULL) == 0);
        CHECK(l2->n_errors == 0);
        CHECK(vp_lint_run(l2, &o, &L2, NULL) == 0);
        check_lint(l2, L2);
        /* complete except for the IPv6 name, which nothing can allow */
        CHECK(L2->n_missing == L2->n_ports);
        CHECK(L2->n_added == 0);
        CHECK(!L2->changed);
        CHECK(strcmp(L2->corrected, L->corrected) == 0);
    }
    vp_lint_free(L2);
    vp_list_free(l2);
    vp_lint_free(L);
    vp_list_free(l);
    return 0;
}
