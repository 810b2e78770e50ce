/*
 * The control port: a line protocol on 127.0.0.1 for fault injection and
 * set-up (see README.md for the commands). One command per line; every
 * command is answered with one line starting with "OK" or "ERR".
 */
#ifndef STREAMOPS_TEST_BROKER_CONTROL_H
#define STREAMOPS_TEST_BROKER_CONTROL_H

#include "ext.h"

/** Opens the listening socket on 127.0.0.1 with a kernel-chosen port.
 *  @returns the socket, or -1 (errno set). */
int tb_control_listen(uint16_t *portp);

/**
 * Serves control connections until \p stop_fd becomes readable (the signal
 * handler writes to it). Commands act on \p mcluster with \p broker_cnt
 * brokers numbered 1..broker_cnt.
 */
void tb_control_serve(int listen_fd,
                      int stop_fd,
                      rd_kafka_mock_cluster_t *mcluster,
                      int broker_cnt);

/**
 * Executes one command line (without its newline) and returns the reply
 * line (without newline), to be freed by the caller. Exposed for the
 * program's own start-up use and for tests.
 */
char *tb_control_execute(rd_kafka_mock_cluster_t *mcluster,
                         int broker_cnt,
                         const char *line);

#endif
