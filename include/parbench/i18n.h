/* Messages in the user's language, through gettext: the code says them in
 * English inside _(), the catalogue (po/<lang>.po, built by Meson's i18n
 * module) carries the translations. */
#ifndef PARBENCH_I18N_H
#define PARBENCH_I18N_H

#include <libintl.h>

#define _(text) gettext(text)
#define N_(text) (text)      /* marked for the catalogue, translated where it is shown */

/* Set up translations: the language from the environment (LANGUAGE,
 * LC_ALL, LC_MESSAGES, LANG) or from `lang` when not NULL ("ko", "en"),
 * the catalogue found beside the program (the build tree's po/, or
 * ../share/locale of an installed program) or in the configured
 * localedir. Only messages and character classes follow the locale:
 * numbers keep the C locale, so CSV and tables read the same everywhere.
 * May be called again to change the language. */
void pb_i18n_init(const char *lang);

/* The language messages are shown in: "ko", or "en" when untranslated. */
const char *pb_i18n_language(void);

#endif
