#include "parbench/params.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Multiply with overflow check. */
static bool mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

static bool pow_u64(uint64_t base, uint64_t exp, uint64_t *out)
{
    uint64_t r = 1;
    for (uint64_t i = 0; i < exp; i++) {
        if (!mul_u64(r, base, &r))
            return false;
        if (r == 0 || (base == 1))   /* 0^k and 1^k: stop early */
            break;
    }
    *out = (exp == 0) ? 1 : r;
    return true;
}

/* Digits only, into *out; returns chars consumed (0 if none), -1 on overflow. */
static int digits(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    int n = 0;
    while (isdigit((unsigned char)s[n])) {
        if (!mul_u64(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(s[n] - '0'), &v))
            return -1;
        n++;
    }
    *out = v;
    return n;
}

bool pb_is_fraction(const char *text)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    return end != text && *end == '\0' && errno == 0 && isfinite(v) && v != floor(v);
}

int pb_parse_u64(const char *text, uint64_t *out)
{
    const char *s = text;
    bool negative = false;
    if (*s == '+' || *s == '-')
        negative = (*s++ == '-');
    if (!isdigit((unsigned char)*s))
        return PB_E_ARG;

    /* mantissa: integer part, optional fraction */
    uint64_t ipart;
    int n = digits(s, &ipart);
    if (n < 0)
        return PB_E_RANGE;
    s += n;
    uint64_t frac = 0;
    int frac_digits = 0;
    if (*s == '.') {
        s++;
        frac_digits = digits(s, &frac);
        if (frac_digits <= 0)
            return frac_digits < 0 ? PB_E_RANGE : PB_E_ARG;
        s += frac_digits;
    }

    uint64_t value;
    if (*s == '^') {                                  /* 10^8 */
        if (frac_digits)
            return PB_E_ARG;
        uint64_t exp;
        s++;
        n = digits(s, &exp);
        if (n <= 0)
            return n < 0 ? PB_E_RANGE : PB_E_ARG;
        s += n;
        if (*s)
            return PB_E_ARG;
        if (exp > 64 && ipart > 1)
            return PB_E_RANGE;
        if (!pow_u64(ipart, exp, &value))
            return PB_E_RANGE;
    } else if (*s == 'e' || *s == 'E') {              /* 1e8, 1.5e3 */
        uint64_t exp;
        s++;
        if (*s == '+')
            s++;
        if (*s == '-')
            return PB_E_RANGE;                        /* 1e-3 is not a whole number */
        n = digits(s, &exp);
        if (n <= 0)
            return n < 0 ? PB_E_RANGE : PB_E_ARG;
        s += n;
        if (*s)
            return PB_E_ARG;
        if (exp > 40 && (ipart != 0 || frac != 0))
            return PB_E_RANGE;                        /* beyond 64 bits */
        if (exp > 40)
            exp = 0;                                  /* 0e99 is 0 */
        if ((uint64_t)frac_digits > exp) {
            /* the fraction must vanish: 1.25e1 is 12.5 */
            uint64_t drop;
            if (!pow_u64(10, (uint64_t)frac_digits - exp, &drop) || frac % drop != 0)
                return PB_E_RANGE;
            frac /= drop;
            frac_digits = (int)exp;
        }
        uint64_t scale, fscale, a, b;
        if (!pow_u64(10, exp, &scale) || !pow_u64(10, exp - (uint64_t)frac_digits, &fscale))
            return PB_E_RANGE;
        if (!mul_u64(ipart, scale, &a) || !mul_u64(frac, fscale, &b) ||
            __builtin_add_overflow(a, b, &value))
            return PB_E_RANGE;
    } else {
        if (*s)
            return PB_E_ARG;
        if (frac_digits && frac != 0)
            return PB_E_RANGE;                        /* 2.5 is not a whole number */
        value = ipart;
    }
    if (negative && value != 0)
        return PB_E_RANGE;
    *out = value;
    return 0;
}

static int find(const pb_params *p, const char *key)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->spec[i].name, key) == 0)
            return (int)i;
    return -1;
}

static void list_names(const pb_param_spec *spec, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (const pb_param_spec *s = spec; s->name; s++) {
        int n = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", s->name);
        if (n < 0 || (size_t)n >= size - len)
            break;
        len += (size_t)n;
    }
    if (!len)
        snprintf(buf, size, "(none)");
}

static void list_choices(const char *const *choices, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (; *choices; choices++) {
        int n = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", *choices);
        if (n < 0 || (size_t)n >= size - len)
            break;
        len += (size_t)n;
    }
}

static int set_index(pb_params *p, size_t i, const char *owner, const char *text, pb_error *err)
{
    const pb_param_spec *s = &p->spec[i];
    if (s->type == PB_PARAM_ENUM) {
        for (size_t c = 0; s->choices[c]; c++) {
            if (strcmp(s->choices[c], text) == 0) {
                p->value[i] = c;
                return 0;
            }
        }
        char allowed[256];
        list_choices(s->choices, allowed, sizeof allowed);
        return pb_fail(err, PB_E_ARG, "%s: parameter %s=%s is not one of: %s",
                       owner, s->name, text, allowed);
    }
    if (s->allow_auto && strcmp(text, "auto") == 0) {
        p->value[i] = 0;
        return 0;
    }
    uint64_t v;
    int rc = pb_parse_u64(text, &v);
    const char *autotext = s->allow_auto ? " or auto" : "";
    if (rc == PB_E_ARG)
        return pb_fail(err, PB_E_ARG,
                       "%s: parameter %s=%s is not a number (write a whole number such as 100000000, 1e8 or 10^8%s)",
                       owner, s->name, text, autotext);
    if (rc != 0 && pb_is_fraction(text))
        return pb_fail(err, PB_E_RANGE, "%s: parameter %s=%s is not a whole number (allowed: %llu to %llu%s%s%s)",
                       owner, s->name, text, (unsigned long long)s->min,
                       (unsigned long long)s->max, s->unit ? " " : "", s->unit ? s->unit : "", autotext);
    if (rc != 0 || v < s->min || v > s->max)
        return pb_fail(err, PB_E_RANGE,
                       "%s: parameter %s=%s is out of range (allowed: %llu to %llu%s%s%s)",
                       owner, s->name, text, (unsigned long long)s->min,
                       (unsigned long long)s->max, s->unit ? " " : "", s->unit ? s->unit : "", autotext);
    p->value[i] = v;
    return 0;
}

int pb_params_init(pb_params *p, const pb_param_spec *spec, const char *owner, pb_error *err)
{
    memset(p, 0, sizeof *p);
    p->spec = spec;
    while (spec[p->count].name) {
        if (p->count == PB_MAX_PARAMS)
            return pb_fail(err, PB_E_RANGE, "%s declares more than %d parameters", owner, PB_MAX_PARAMS);
        p->count++;
    }
    for (size_t i = 0; i < p->count; i++) {
        int rc = set_index(p, i, owner, spec[i].defval, err);
        if (rc)
            return rc;   /* a bad default is a bug, reported like bad input */
    }
    return 0;
}

static const char *const fault_names[] = {
#define PB_X_(id, name, doc) name,
    PB_FAULT_LIST(PB_X_)
#undef PB_X_
};

const char *pb_fault_name(pb_fault_kind kind)
{
    return fault_names[kind];
}

/* fault=KIND@TASK */
static int set_fault(pb_params *p, const char *owner, const char *text, pb_error *err)
{
    const char *at = strchr(text, '@');
    size_t n = at ? (size_t)(at - text) : strlen(text);
    for (size_t k = 0; k < sizeof fault_names / sizeof fault_names[0]; k++) {
        if (strlen(fault_names[k]) != n || strncmp(fault_names[k], text, n) != 0)
            continue;
        uint64_t task = 0;
        if (k != PB_FAULT_NONE && (!at || pb_parse_u64(at + 1, &task) != 0))
            return pb_fail(err, PB_E_ARG, "%s: fault=%s needs the task index after '@' (fault=%s@3)",
                           owner, text, fault_names[k]);
        if (k == PB_FAULT_NONE && at)
            return pb_fail(err, PB_E_ARG, "%s: fault=%s: 'none' takes no task", owner, text);
        p->fault = (pb_fault_kind)k;
        p->fault_task = task;
        return 0;
    }
    return pb_fail(err, PB_E_ARG, "%s: fault=%s is not one of: segv@TASK, abort@TASK, exit@TASK, hang@TASK, none",
                   owner, text);
}

int pb_params_set(pb_params *p, const char *owner, const char *key, const char *text, pb_error *err)
{
    if (strcmp(key, "fault") == 0)
        return set_fault(p, owner, text, err);
    int i = find(p, key);
    if (i < 0) {
        char names[256];
        list_names(p->spec, names, sizeof names);
        return pb_fail(err, PB_E_ARG, "%s: unknown parameter '%s' (parameters: %s; and fault for every workload)",
                       owner, key, names);
    }
    if (!*text)
        return pb_fail(err, PB_E_ARG, "%s: parameter %s has an empty value", owner, key);
    int rc = set_index(p, (size_t)i, owner, text, err);
    if (rc == 0)
        p->given[i] = true;
    return rc;
}

int pb_params_parse(pb_params *p, const char *owner, const char *list, pb_error *err)
{
    char buf[1024];
    if (strlen(list) >= sizeof buf)
        return pb_fail(err, PB_E_ARG, "%s: parameter list is too long", owner);
    size_t len = strlen(list);
    if (len == 0)
        return 0;   /* "counter:": no parameters, the defaults */
    if (list[0] == ',' || list[len - 1] == ',' || strstr(list, ",,"))   /* strtok_r would skip them */
        return pb_fail(err, PB_E_ARG, "%s: '%s' has an empty parameter (key=value items, separated by single "
                       "commas)", owner, list);
    strcpy(buf, list);
    char *save = NULL;
    bool seen[PB_MAX_PARAMS + 1] = { false };   /* the last: fault */
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq)
            return pb_fail(err, PB_E_ARG, "%s: '%s' is not of the form key=value", owner, item);
        *eq = '\0';
        int i = strcmp(item, "fault") == 0 ? PB_MAX_PARAMS : find(p, item);
        if (i >= 0 && seen[i])
            return pb_fail(err, PB_E_ARG, "%s: parameter %s is given twice", owner, item);
        if (i >= 0)
            seen[i] = true;
        int rc = pb_params_set(p, owner, item, eq + 1, err);
        if (rc)
            return rc;
    }
    return 0;
}

uint64_t pb_param(const pb_params *p, const char *name)
{
    int i = find(p, name);
    if (i < 0) {
        fprintf(stderr, "parbench: internal error: undeclared parameter '%s'\n", name);
        abort();
    }
    return p->value[i];
}

const char *pb_param_choice(const pb_params *p, const char *name)
{
    int i = find(p, name);
    if (i < 0 || p->spec[i].type != PB_PARAM_ENUM) {
        fprintf(stderr, "parbench: internal error: '%s' is not a choice parameter\n", name);
        abort();
    }
    return p->spec[i].choices[p->value[i]];
}

void pb_params_format(const pb_params *p, char *buf, size_t size, bool all)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < p->count && len < size; i++) {
        const pb_param_spec *s = &p->spec[i];
        const char *sep = len ? "," : "";
        int n;
        if (!all && !p->given[i])
            continue;
        if (s->type == PB_PARAM_ENUM)
            n = snprintf(buf + len, size - len, "%s%s=%s", sep, s->name, s->choices[p->value[i]]);
        else if (s->allow_auto && p->value[i] == 0)
            n = snprintf(buf + len, size - len, "%s%s=auto", sep, s->name);
        else
            n = snprintf(buf + len, size - len, "%s%s=%llu", sep, s->name,
                         (unsigned long long)p->value[i]);
        if (n < 0)
            break;
        len += (size_t)n;
    }
    if (p->fault != PB_FAULT_NONE && len < size)
        snprintf(buf + len, size - len, "%sfault=%s@%llu", len ? "," : "", fault_names[p->fault],
                 (unsigned long long)p->fault_task);
}
