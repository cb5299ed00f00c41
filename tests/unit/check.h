/* The assertions of the C unit tests: each failure is printed with its
 * place and counted; main() returns failures ? 1 : 0. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

static int failures;

#define CHECK(cond)                                                                                            \
    do {                                                                                                       \
        if (!(cond)) {                                                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                           \
            failures++;                                                                                        \
        }                                                                                                      \
    } while (0)

/* The same with a description, printed as "ok" or "FAIL" either way. */
#define CHECK_MSG(cond, ...)                                                                                   \
    do {                                                                                                       \
        bool ok_ = (cond);                                                                                     \
        printf("%s ", ok_ ? "ok  " : "FAIL");                                                                  \
        printf(__VA_ARGS__);                                                                                   \
        putchar('\n');                                                                                         \
        failures += !ok_;                                                                                      \
    } while (0)
