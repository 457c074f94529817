/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-churn: the library mode (churn-lib.c); 0 placed, 1 refused. */
#pragma once

int churn_lib_prepare(const char *type_id, const char *uuid);
int churn_lib_release(const char *uuid);
