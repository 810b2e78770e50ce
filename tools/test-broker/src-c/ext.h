/*
 * Extension of librdkafka's mock cluster: extra and corrected protocol
 * handlers, registered at run time into the cluster's per-cluster handler
 * table (mcluster->api_handlers), without modifying librdkafka's sources.
 *
 * Everything declared here runs on the mock cluster thread, except
 * tb_mock_exec() which is how other threads get code run there.
 */
#ifndef STREAMOPS_TEST_BROKER_EXT_H
#define STREAMOPS_TEST_BROKER_EXT_H

#include "rdkafka_int.h"
#include "rdkafka_mock_int.h"

/** Settings of the extension, fixed at start-up. */
typedef struct tb_config_s {
        /** Longest time an empty Fetch is held before it is answered. */
        int fetch_wait_max_ms;
        /** Per-partition retention: bytes and record batches kept. */
        size_t partition_max_bytes;
        size_t partition_max_batches;
        /** Partitions of auto-created topics and of CreateTopics with -1. */
        int default_partitions;
        /** Write every committed offset to __consumer_offsets. */
        rd_bool_t offsets_topic;
        /** Serve the protocol as librdkafka's mock does (for comparison). */
        rd_bool_t stock_mock;
} tb_config_t;

/** Partition count of __consumer_offsets, as on a default Kafka broker. */
#define TB_OFFSETS_TOPIC_PARTITIONS 50
#define TB_OFFSETS_TOPIC_NAME       "__consumer_offsets"

extern tb_config_t tb_conf;

/* ---- ext.c: installation and shared helpers ---- */

/** Runs \p fn(mcluster, arg) on the mock thread and waits for it. */
typedef void(tb_mock_fn_t)(rd_kafka_mock_cluster_t *mcluster, void *arg);
void tb_mock_exec(rd_kafka_mock_cluster_t *mcluster,
                  tb_mock_fn_t *fn,
                  void *arg);

/** Registers all handlers and applies the configuration (mock thread).
 *  With tb_conf.stock_mock only the control-latency fix is applied and the
 *  mock serves the protocol exactly as librdkafka ships it (to compare). */
void tb_ext_install(rd_kafka_mock_cluster_t *mcluster);

/** Calls librdkafka's own handler for the request's ApiKey. */
int tb_call_original(rd_kafka_mock_connection_t *mconn, rd_kafka_buf_t *rkbuf);

/**
 * Reads an int16 from the response that a handler just queued for
 * \p request, at \p field_offset bytes after the response header.
 * Used to learn whether librdkafka's own handler succeeded.
 * @returns 0 on success, -1 if the response is not found.
 */
int tb_peek_response_i16(rd_kafka_mock_connection_t *mconn,
                         const rd_kafka_buf_t *request,
                         size_t field_offset,
                         int16_t *valuep);

/** Copies the request header's ClientId into \p dst (always terminated). */
void tb_request_client_id(rd_kafka_buf_t *rkbuf, char *dst, size_t dstsize);

/** Applies the retention settings to every partition of every topic. */
void tb_apply_retention(rd_kafka_mock_cluster_t *mcluster);

/** The mock listens with a backlog of 5, so parallel clients connecting at
 *  once could be dropped and retried a second later: widen it. */
void tb_widen_listen_backlog(rd_kafka_mock_cluster_t *mcluster);

/** Makes the lowest-numbered broker that is up the controller. */
void tb_refresh_controller(rd_kafka_mock_cluster_t *mcluster);

/** A C string as a non-owning Kafka string (NULL gives a null string). */
rd_kafkap_str_t tb_kstr(const char *s);

/** Kafka's topic name rule: 1..249 chars of [a-zA-Z0-9._-], not "." or "..". */
rd_bool_t tb_topic_name_valid(const char *name);

/** Whether the connection's broker coordinates \p group_id. */
rd_bool_t tb_is_group_coordinator(rd_kafka_mock_connection_t *mconn,
                                  const char *group_id);

/* ---- ext_groups.c: consumer group membership ---- */
void tb_groups_install(rd_kafka_mock_cluster_t *mcluster);
/** Kafka's name for the group state, e.g. "Stable". */
const char *tb_group_state_name(const rd_kafka_mock_cgrp_classic_t *mcgrp);
/** Forgets what was remembered about the group's members. */
void tb_member_info_forget_group(const char *group_id);

/* ---- ext_offsets.c: committed offsets ---- */
void tb_offsets_install(rd_kafka_mock_cluster_t *mcluster);
/** Whether any partition holds a committed offset for \p group_id. */
rd_bool_t tb_group_has_offsets(rd_kafka_mock_cluster_t *mcluster,
                               const char *group_id);

/* ---- ext_admin.c: topic administration ---- */
void tb_admin_install(rd_kafka_mock_cluster_t *mcluster);

/* ---- ext_txn.c: transactions ---- */
void tb_txn_install(rd_kafka_mock_cluster_t *mcluster);

/* ---- ext_log.c: reading the log ---- */
void tb_log_install(rd_kafka_mock_cluster_t *mcluster);

/* ---- ext_offsets_topic.c: __consumer_offsets ---- */
/** Creates the topic if enabled (mock thread). */
void tb_offsets_topic_init(rd_kafka_mock_cluster_t *mcluster);
/** Appends one commit record, if enabled. Metadata may be NULL. */
void tb_offsets_topic_write(rd_kafka_mock_cluster_t *mcluster,
                            const char *group,
                            const char *topic,
                            int32_t partition,
                            int64_t offset,
                            const char *metadata);
/** Appends the tombstone (null value) of a deleted commit, if enabled. */
void tb_offsets_topic_delete(rd_kafka_mock_cluster_t *mcluster,
                             const char *group,
                             const char *topic,
                             int32_t partition);

#endif
