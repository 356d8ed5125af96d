/* A minimal test harness: CHECK records a failure and goes on; the test's
 * main returns check_report(): 1 if anything failed or nothing was checked,
 * 77 (Meson's "skipped") when every check was skipped with CHECK_SKIP. */
#ifndef PARBENCH_TEST_CHECK_H
#define PARBENCH_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures, check_count, check_skipped;

/* A check that cannot run here: said, and counted apart. */
#define CHECK_SKIP(...)                                                        \
    do {                                                                       \
        check_skipped++;                                                       \
        printf("SKIP: ");                                                      \
        printf(__VA_ARGS__);                                                   \
        putchar('\n');                                                         \
    } while (0)

#define CHECK(cond)                                                            \
    do {                                                                       \
        check_count++;                                                         \
        if (!(cond)) {                                                         \
            check_failures++;                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                      \
    } while (0)

#define CHECK_MSG(cond, ...)                                                   \
    do {                                                                       \
        check_count++;                                                         \
        if (!(cond)) {                                                         \
            check_failures++;                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
        }                                                                      \
    } while (0)

#define CHECK_STR(a, b)                                                        \
    CHECK_MSG(strcmp((a), (b)) == 0, "'%s' != '%s'", (a), (b))

static inline int check_report(const char *name)
{
    printf("%s: %d checks, %d failed, %d skipped\n", name, check_count, check_failures, check_skipped);
    if (check_failures)
        return 1;
    if (check_count == 0 && check_skipped)
        return 77;
    if (check_count == 0) {
        fprintf(stderr, "%s: FAIL: no check ran\n", name);
        return 1;
    }
    return 0;
}

#endif
