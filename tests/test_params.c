/* Number and parameter parsing: every accepted spelling, every rejection. */
#include <stdint.h>

#include "check.h"
#include "parbench/params.h"

static void number(const char *text, int want_rc, uint64_t want)
{
    uint64_t v = 12345;
    int rc = pb_parse_u64(text, &v);
    CHECK_MSG(rc == want_rc, "'%s': rc %d, expected %d", text, rc, want_rc);
    if (rc == 0 && want_rc == 0)
        CHECK_MSG(v == want, "'%s' parsed as %llu, expected %llu", text, (unsigned long long)v,
                  (unsigned long long)want);
}

static const char *const colours[] = { "red", "green", NULL };
static const pb_param_spec spec[] = {
    { .name = "n", .type = PB_PARAM_U64, .defval = "1e3", .min = 1, .max = UINT64_MAX },
    { .name = "ms", .type = PB_PARAM_U64, .defval = "0", .min = 0, .max = 1000, .unit = "ms" },
    { .name = "tasks", .type = PB_PARAM_U64, .defval = "auto", .min = 1, .max = 64, .allow_auto = true },
    { .name = "colour", .type = PB_PARAM_ENUM, .defval = "green", .choices = colours },
    { 0 },
};

int main(void)
{
    /* the three spellings the notes use, and friends */
    number("100000000", 0, 100000000);
    number("1e8", 0, 100000000);
    number("1E8", 0, 100000000);
    number("10^8", 0, 100000000);
    number("2^10", 0, 1024);
    number("1.5e3", 0, 1500);
    number("2.50e1", 0, 25);
    number("1e+3", 0, 1000);
    number("0", 0, 0);
    number("0e99", 0, 0);
    number("+7", 0, 7);
    number("-0", 0, 0);
    number("5.0", 0, 5);
    number("18446744073709551615", 0, UINT64_MAX);
    number("2^63", 0, (uint64_t)1 << 63);
    number("1^1000", 0, 1);
    /* not numbers */
    number("", PB_E_ARG, 0);
    number("abc", PB_E_ARG, 0);
    number("1e", PB_E_ARG, 0);
    number("1x", PB_E_ARG, 0);
    number("10^", PB_E_ARG, 0);
    number("1.", PB_E_ARG, 0);
    number(".5", PB_E_ARG, 0);
    number("1 000", PB_E_ARG, 0);
    number("0x10", PB_E_ARG, 0);
    number("1.5^2", PB_E_ARG, 0);
    /* numbers that are not allowed */
    number("-1", PB_E_RANGE, 0);
    number("-1e3", PB_E_RANGE, 0);
    number("1.5", PB_E_RANGE, 0);
    number("1.25e1", PB_E_RANGE, 0);
    number("1e-3", PB_E_RANGE, 0);
    number("18446744073709551616", PB_E_RANGE, 0);
    number("99999999999999999999999", PB_E_RANGE, 0);
    number("2^64", PB_E_RANGE, 0);
    number("10^20", PB_E_RANGE, 0);
    number("2e19", PB_E_RANGE, 0);
    number("1e41", PB_E_RANGE, 0);

    pb_params p;
    pb_error err = { 0 };
    CHECK(pb_params_init(&p, spec, "test", &err) == 0);
    CHECK(pb_param(&p, "n") == 1000);
    CHECK(pb_param(&p, "tasks") == 0);
    CHECK_STR(pb_param_choice(&p, "colour"), "green");
    CHECK(!p.given[0]);

    CHECK(pb_params_parse(&p, "test", "n=10^8,ms=5,colour=red,tasks=4", &err) == 0);
    CHECK(pb_param(&p, "n") == 100000000);
    CHECK(pb_param(&p, "ms") == 5);
    CHECK(pb_param(&p, "tasks") == 4);
    CHECK_STR(pb_param_choice(&p, "colour"), "red");
    char buf[256];
    pb_params_format(&p, buf, sizeof buf, true);
    CHECK_STR(buf, "n=100000000,ms=5,tasks=4,colour=red");
    CHECK(pb_params_parse(&p, "test", "tasks=auto", &err) == 0);
    pb_params_format(&p, buf, sizeof buf, false);
    CHECK_STR(buf, "n=100000000,ms=5,tasks=auto,colour=red");
    pb_params q;
    pb_params_init(&q, spec, "test", &err);
    CHECK(pb_params_parse(&q, "test", "ms=7", &err) == 0);
    pb_params_format(&q, buf, sizeof buf, false);
    CHECK_STR(buf, "ms=7");
    CHECK(pb_params_parse(&q, "test", "", &err) == 0);

    /* rejections, each naming the parameter */
    CHECK(pb_params_parse(&p, "test", "bogus=1", &err) == PB_E_ARG);
    CHECK(strstr(err.msg, "bogus") && strstr(err.msg, "parameters: n, ms, tasks, colour"));
    CHECK(pb_params_parse(&p, "test", "n=abc", &err) == PB_E_ARG);
    CHECK(strstr(err.msg, "n=abc") && strstr(err.msg, "not a number"));
    CHECK(pb_params_parse(&p, "test", "n=0", &err) == PB_E_RANGE);
    CHECK(strstr(err.msg, "n=0") && strstr(err.msg, "1 to"));
    CHECK(pb_params_parse(&p, "test", "n=-5", &err) == PB_E_RANGE);
    CHECK(pb_params_parse(&p, "test", "ms=1001", &err) == PB_E_RANGE);
    CHECK(strstr(err.msg, "0 to 1000 ms"));
    CHECK(pb_params_parse(&p, "test", "n=1e30", &err) == PB_E_RANGE);
    CHECK(pb_params_parse(&p, "test", "tasks=0", &err) == PB_E_RANGE);
    CHECK(strstr(err.msg, "or auto"));
    CHECK(pb_params_parse(&p, "test", "ms=auto", &err) == PB_E_ARG);
    CHECK(pb_params_parse(&p, "test", "colour=blue", &err) == PB_E_ARG);
    CHECK(strstr(err.msg, "red, green"));
    CHECK(pb_params_parse(&p, "test", "n", &err) == PB_E_ARG);
    CHECK(strstr(err.msg, "key=value"));
    CHECK(pb_params_parse(&p, "test", "n=", &err) == PB_E_ARG);
    CHECK(strstr(err.msg, "empty"));
    /* a failed set leaves the earlier value */
    CHECK(pb_param(&p, "n") == 100000000);
    return check_report("params");
}
