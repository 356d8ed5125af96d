/* `parbench run` in a process where every binding is refused (EPERM), as
 * in a restricted container: what tests/test_quick_suite.py runs to see the
 * warning and the bound=0 rows. Usage: refusing_binder run [OPTIONS]. */
#include <errno.h>
#include <string.h>

#include "cli/cli.h"
#include "parbench/i18n.h"
#include "parbench/topology.h"

int main(int argc, char **argv)
{
    pb_i18n_init(NULL);
    pb_topology_refuse_binding(EPERM);
    if (argc < 2 || strcmp(argv[1], "run") != 0)
        return PB_EXIT_USAGE;
    return pb__cmd_run(argc - 1, argv + 1);
}
