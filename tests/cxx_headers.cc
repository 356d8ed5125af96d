// Every public header compiles as C++ (a C API must not use C-only syntax).
#include "parbench/arena.h"
#include "parbench/backend.h"
#include "parbench/clock.h"
#include "parbench/csv.h"
#include "parbench/csv_read.h"
#include "parbench/error.h"
#include "parbench/machine.h"
#include "parbench/params.h"
#include "parbench/registry.h"
#include "parbench/resultset.h"
#include "parbench/resultset_check.h"
#include "parbench/rng.h"
#include "parbench/runner.h"
#include "parbench/sampler.h"
#include "parbench/schema.h"
#include "parbench/suite.h"
#include "parbench/topology.h"
#include "parbench/workload.h"
#include "shim/pb_gbench.h"

int main()
{
    return sizeof(pb_outcome) == 64 ? 0 : 1;   // one cache line per task, in C++ too
}
