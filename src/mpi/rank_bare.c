/* parbench-mpi-rank --bare, for bench/overhead: what the mpi backend's
 * messages rest on, measured bare (a one-byte MPI ping-pong, as
 * osu_latency; MPI_Barrier, as osu_barrier), in rounds parbench asks for. */
#include "rank.h"

#include <poll.h>

#include "parbench/clock.h"

void pb__rank_serve_bare(void)
{
    for (;;) {
        pb_wire_head h;
        const void *m;
        while ((m = pb__rank_poll_parent(&h)) == NULL) {
            struct pollfd p = { .fd = pb__parent_fd, .events = POLLIN };
            poll(&p, 1, -1);
        }
        if (h.type == PB_WIRE_QUIT)
            return;
        if (h.type == PB_WIRE_PING) {
            pb__rank_send_or_die(PB_WIRE_PONG, NULL, 0, NULL, 0);
            continue;
        }
        if (h.type != PB_WIRE_ROUND || h.len != sizeof(pb_wire_round))
            continue;
        unsigned ops = ((const pb_wire_round *)m)->ops;
        char byte = 0;
        MPI_Barrier(MPI_COMM_WORLD);
        /* ping-pong between ranks 0 and 1, one byte each way (osu_latency's smallest size) */
        int64_t t0 = pb_now_ns();
        for (unsigned i = 0; i < ops && pb__world_size > 1; i++) {
            if (pb__rank_id == 0) {
                MPI_Send(&byte, 1, MPI_CHAR, 1, 1, MPI_COMM_WORLD);
                MPI_Recv(&byte, 1, MPI_CHAR, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else if (pb__rank_id == 1) {
                MPI_Recv(&byte, 1, MPI_CHAR, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Send(&byte, 1, MPI_CHAR, 0, 1, MPI_COMM_WORLD);
            }
        }
        double pp = (double)(pb_now_ns() - t0) / ops;
        MPI_Barrier(MPI_COMM_WORLD);
        /* barriers, each rank's mean, averaged over the ranks (osu_barrier) */
        int64_t t1 = pb_now_ns();
        for (unsigned i = 0; i < ops; i++)
            MPI_Barrier(MPI_COMM_WORLD);
        double mine = (double)(pb_now_ns() - t1) / ops, sum = 0;
        MPI_Reduce(&mine, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (pb__rank_id == 0) {
            pb_wire_bare b = { .ping_pong_ns = pp, .barrier_ns = sum / pb__world_size };
            pb__rank_send_or_die(PB_WIRE_BARE, &b, sizeof b, NULL, 0);
        }
    }
}
