/*
 * fixture.h: results shared by the renderer tests.
 */
#ifndef OAPROBE_TEST_WEB_FIXTURE_H
#define OAPROBE_TEST_WEB_FIXTURE_H

#include "probes/result/result.h"

/* A check of mail.contoso.com with an expiring certificate and a
 * ValidPorts entry missing for the FQDN (critical). Free with
 * oa_result_free(). */
struct oa_result *fixture_critical(void);

/* A short, healthy check (ok). */
struct oa_result *fixture_ok(void);

#endif /* OAPROBE_TEST_WEB_FIXTURE_H */
