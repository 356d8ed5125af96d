/* Demo pickling (002/003): what can cross a process boundary. Note 002:
 * arguments to a Process must be picklable; note 003: Pool.map refuses a
 * lambda ("Can't pickle <function <lambda>>"). In C terms, observed in a
 * process started fresh (spawn: its own address space, as Python's spawn
 * start method makes it): values and arrays arrive as bytes and mean the
 * same there; a pointer is an address that means nothing there; a function
 * crosses by its name, which the other side looks up, never by its
 * address; a function with no name the other side knows (a lambda) cannot
 * cross at all. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "narrate.h"

static long square(long x)
{
    return x * x;
}

static long cube(long x)
{
    return x * x * x;
}

/* The functions both sides know by name: what pickle's "module.name" is. */
static const struct {
    const char *name;
    long (*fn)(long);
} known[] = { { "square", square }, { "cube", cube } };

/* Is [addr, addr + len) mapped readable in this process? (/proc/self/maps) */
static bool readable_here(uintptr_t addr, size_t len)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    bool ok = false;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && addr >= lo && addr + len <= hi && perms[0] == 'r') {
            ok = true;
            break;
        }
    }
    if (f)
        fclose(f);
    return ok;
}

/* The spawned side: answers one request per line on stdin. */
static int pickling_child(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    char line[512];
    while (fgets(line, sizeof line, stdin)) {
        char kind[32], a[256], b[256];
        unsigned long addr;
        long x;
        if (sscanf(line, "values %255[^\n]", a) == 1) {
            printf("values %s\n", a);   /* decoded and said back: the same values */
        } else if (sscanf(line, "pointer %lx %255s", &addr, a) == 2) {
            size_t len = strlen(a);
            bool mapped = readable_here(addr, len + 1);
            bool same = mapped && memcmp((const void *)addr, a, len) == 0;
            printf("pointer %d %d\n", mapped, same);
        } else if (sscanf(line, "function-address %lx", &addr) == 1) {
            printf("function-address %lx %d\n", (unsigned long)(uintptr_t)square, addr == (uintptr_t)square);
        } else if (sscanf(line, "function-name %31s %ld", kind, &x) == 2) {
            long (*fn)(long) = NULL;
            for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
                if (strcmp(known[i].name, kind) == 0)
                    fn = known[i].fn;
            if (fn)
                printf("function-name found %ld\n", fn(x));
            else
                printf("function-name unknown\n");
        } else {
            (void)b;
            printf("?\n");
        }
        fflush(stdout);
    }
    return 0;
}

typedef struct spawned {
    pid_t pid;
    FILE *to, *from;
} spawned;

/* parbench itself, started fresh (exec, not fork), talking over two pipes. */
static bool spawn_self(spawned *s)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0)
        return false;
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]);
        close(in[1]);
        return false;
    }
    s->pid = pb__spawn_child((char *[]){ "pickling", NULL }, in[0], out[1]);
    close(in[0]);
    close(out[1]);
    if (s->pid < 0) {
        close(in[1]);
        close(out[0]);
        return false;
    }
    s->to = fdopen(in[1], "w");
    s->from = fdopen(out[0], "r");
    return s->to && s->from;
}

static bool ask(spawned *s, char *answer, size_t size, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool ask(spawned *s, char *answer, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(s->to, fmt, ap);
    va_end(ap);
    fflush(s->to);
    if (!fgets(answer, (int)size, s->from))
        return false;
    answer[strcspn(answer, "\n")] = '\0';
    return true;
}

static void demo_pickling(pb_demo_ctx *c)
{
    pb__say(c, _("Notes 002/003: what can be handed to another process? Python pickles the arguments (turns them "
                 "into bytes), and Pool.map(lambda x: x*x, ...) fails with \"Can't pickle <function <lambda>>\". "
                 "The same question in C, asked of a parbench started fresh (its own address space, as Python's "
                 "spawn start method makes one):"));
    spawned s;
    if (!spawn_self(&s)) {
        pb__fact_skipped(c, _("a fresh process could not be started here"));
        return;
    }
    char answer[512];
    const char *values = "[55, None, 'hello', 'world']";
    bool values_ok = ask(&s, answer, sizeof answer, "values %s\n", values) && strcmp(answer + 7, values) == 0;
    pb__show(c, _("  values %s sent as bytes:           arrived as %s\n"), values, values_ok ? values : "?");

    static char buffer[] = "parbench-buffer";   /* lives at an address of this process */
    int mapped = -1, same = -1;
    if (ask(&s, answer, sizeof answer, "pointer %lx %s\n", (unsigned long)(uintptr_t)buffer, buffer))
        sscanf(answer, "pointer %d %d", &mapped, &same);
    pb__show(c, _("  a pointer to our buffer (%p):     there it %s\n"), (void *)buffer,
             mapped == 0 ? _("points at nothing (no memory at that address)")
                         : same == 1 ? _("happens to show the same bytes")
                                     : _("points at other memory, not our buffer"));

    unsigned long theirs = 0;
    int equal = -1;
    if (ask(&s, answer, sizeof answer, "function-address %lx\n", (unsigned long)(uintptr_t)square))
        sscanf(answer, "function-address %lx %d", &theirs, &equal);
    pb__show(c, _("  the address of square() (%p): there square() is at %#lx\n"), (void *)(uintptr_t)square, theirs);

    long result = 0;
    bool by_name = ask(&s, answer, sizeof answer, "function-name square 7\n") &&
                   sscanf(answer, "function-name found %ld", &result) == 1 && result == 49;
    pb__show(c, _("  the name 'square' and the argument 7:  looked up there, square(7) = %ld\n"), result);
    bool lambda_refused = ask(&s, answer, sizeof answer, "function-name <lambda> 7\n") &&
                          strcmp(answer, "function-name unknown") == 0;
    pb__show(c, _("  a function with no name there (a lambda): %s\n"),
             lambda_refused ? _("refused: nothing there goes by that name") : _("accepted?"));
    fclose(s.to);
    fclose(s.from);
    pb__reap(s.pid, NULL);

    pb__record(c, "values", "arrived_equal", values_ok, "flag", 1, 0);
    pb__record(c, "pointer", "means_our_buffer", same == 1, "flag", 0, 0);
    pb__record(c, "function address", "same_there", equal == 1, "flag", NAN, 0);
    pb__record(c, "function name", "result", (double)result, "count", 49, 0);
    pb__say(c, _("Lesson: only what can be written as bytes and read back crosses a process boundary: numbers, "
                 "strings, arrays. An address is only meaningful in the address space it came from. A function "
                 "crosses by a name the other side can look up (pickle sends module and name), which a lambda "
                 "does not have; threads share one address space and need none of this."));
    pb__fact(c, values_ok && same != 1 && by_name && lambda_refused,
             _("something crossed the boundary that should not have, or a value did not"));
    if (equal == 1)
        pb__fact_skipped(c, _("this machine loads the program at the same address every time (no address space "
                              "layout randomisation), so a function's address happened to match"));
}

const pb_demo pb_demo_pickling = {
    .name = "pickling",
    .notes = "002/003",
    .summary = N_("what can cross a process boundary: values and arrays, not pointers, functions by name, no lambda"),
    .run = demo_pickling,
    .child = pickling_child,
};
