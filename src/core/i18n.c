#include "parbench/i18n.h"

#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pb_build_config.h"

#define DOMAIN "parbench"

static char language[16] = "en";

/* A folder holding <lang>/LC_MESSAGES/parbench.mo for `lang`, looked for
 * beside the running program first: the build tree keeps its catalogues
 * in po/, an installed parbench in ../share/locale. */
static const char *catalogue_dir(const char *lang, char *buf, size_t size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            static const char *const beside[] = { "po", "../share/locale" };
            for (size_t i = 0; i < sizeof beside / sizeof beside[0]; i++) {
                char mo[PATH_MAX + 64];
                struct stat st;
                snprintf(mo, sizeof mo, "%s/%s/%s/LC_MESSAGES/" DOMAIN ".mo", exe, beside[i], lang);
                if (stat(mo, &st) == 0) {
                    snprintf(buf, size, "%s/%s", exe, beside[i]);
                    return buf;
                }
            }
        }
    }
    return PB_LOCALEDIR;
}

/* The language part of a locale name: "ko" of "ko_KR.UTF-8"; "" for C and POSIX. */
static void language_of(const char *locale, char *out, size_t size)
{
    out[0] = '\0';
    if (!locale || !*locale || strcmp(locale, "C") == 0 || strcmp(locale, "POSIX") == 0 ||
        strncmp(locale, "C.", 2) == 0)
        return;
    size_t len = strcspn(locale, "_.@:");
    if (len >= size)
        len = size - 1;
    memcpy(out, locale, len);
    out[len] = '\0';
}

void pb_i18n_init(const char *lang)
{
    /* messages and character classes only: numbers stay in the C locale */
    if (!setlocale(LC_CTYPE, ""))
        setlocale(LC_CTYPE, "C.UTF-8");
    setlocale(LC_MESSAGES, "");

    /* the language asked for: --lang, else as gettext decides: LANGUAGE first, then the
     * first of LC_ALL, LC_MESSAGES and LANG that is set */
    char want[16] = "";
    if (lang) {
        snprintf(want, sizeof want, "%s", lang);
    } else {
        const char *env = getenv("LANGUAGE");
        if (env && *env)
            language_of(env, want, sizeof want);
        const char *names[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
        for (size_t i = 0; !want[0] && i < 3; i++) {
            const char *v = getenv(names[i]);
            if (v && *v) {
                language_of(v, want, sizeof want);
                break;
            }
        }
    }
    if (!want[0])
        snprintf(want, sizeof want, "en");
    /* gettext reads LANGUAGE only when the messages locale is not C: when the
     * named locale is not installed here, C.UTF-8 stands in for it */
    setenv("LANGUAGE", want, 1);
    const char *msgs = setlocale(LC_MESSAGES, NULL);
    if (!msgs || strcmp(msgs, "C") == 0 || strcmp(msgs, "POSIX") == 0)
        setlocale(LC_MESSAGES, "C.UTF-8");

    char dir[PATH_MAX + 32];
    bindtextdomain(DOMAIN, catalogue_dir(want, dir, sizeof dir));
    bind_textdomain_codeset(DOMAIN, "UTF-8");
    textdomain(DOMAIN);
    /* what the catalogue holds decides what is shown: English without one */
    snprintf(language, sizeof language, "%s", strcmp(gettext(""), "") != 0 ? want : "en");
}

const char *pb_i18n_language(void)
{
    return language;
}
