/*
 * Transactions: the mock validates TxnOffsetCommit but never stores the
 * offsets. Here TxnOffsetCommit keeps them as pending for the transactional
 * id, EndTxn applies them when the transaction commits (and drops them when
 * it aborts), and InitProducerId drops those of a fenced producer.
 */
#include "ext.h"

typedef struct tb_pending_offset_s {
        struct tb_pending_offset_s *next;
        char *transactional_id;
        char *group_id;
        char *topic;
        int32_t partition;
        int64_t offset;
        char *metadata; /* NULL for a null string */
} tb_pending_offset_t;

static tb_pending_offset_t *tb_pending;

static void tb_pending_destroy(tb_pending_offset_t *p) {
        rd_free(p->transactional_id);
        rd_free(p->group_id);
        rd_free(p->topic);
        if (p->metadata)
                rd_free(p->metadata);
        rd_free(p);
}

static void tb_pending_set(const char *transactional_id,
                           const char *group_id,
                           const char *topic,
                           int32_t partition,
                           int64_t offset,
                           const char *metadata) {
        tb_pending_offset_t *p;

        for (p = tb_pending; p; p = p->next) {
                if (!strcmp(p->transactional_id, transactional_id) &&
                    !strcmp(p->group_id, group_id) &&
                    !strcmp(p->topic, topic) && p->partition == partition)
                        break;
        }
        if (!p) {
                p                   = rd_calloc(1, sizeof(*p));
                p->transactional_id = rd_strdup(transactional_id);
                p->group_id         = rd_strdup(group_id);
                p->topic            = rd_strdup(topic);
                p->partition        = partition;
                p->next             = tb_pending;
                tb_pending          = p;
        } else if (p->metadata) {
                rd_free(p->metadata);
        }
        p->offset   = offset;
        p->metadata = metadata ? rd_strdup(metadata) : NULL;
}

/* Removes the transaction's pending offsets, committing them if asked. */
static void tb_pending_finish(rd_kafka_mock_cluster_t *mcluster,
                              const char *transactional_id,
                              rd_bool_t commit) {
        tb_pending_offset_t **linkp = &tb_pending;

        while (*linkp) {
                tb_pending_offset_t *p = *linkp;
                if (strcmp(p->transactional_id, transactional_id)) {
                        linkp = &p->next;
                        continue;
                }
                *linkp = p->next;

                if (commit) {
                        rd_kafka_mock_topic_t *mtopic =
                            rd_kafka_mock_topic_find(mcluster, p->topic);
                        rd_kafka_mock_partition_t *mpart =
                            rd_kafka_mock_partition_find(mtopic, p->partition);
                        if (mpart) {
                                rd_kafkap_str_t kgroup = tb_kstr(p->group_id);
                                rd_kafkap_str_t kmetadata = tb_kstr(p->metadata);
                                rd_kafka_mock_commit_offset(mpart, &kgroup,
                                                            p->offset,
                                                            &kmetadata);
                                tb_offsets_topic_write(mcluster, p->group_id,
                                                       p->topic, p->partition,
                                                       p->offset, p->metadata);
                        }
                }
                tb_pending_destroy(p);
        }
}

/* Checks the producer id and epoch the way the mock does for other
 * transactional requests. */
static rd_kafka_resp_err_t tb_pid_check(rd_kafka_mock_cluster_t *mcluster,
                                        const rd_kafkap_str_t *TransactionalId,
                                        rd_kafka_pid_t pid) {
        rd_kafka_mock_pid_t *mpid;
        rd_kafka_resp_err_t err;

        mtx_lock(&mcluster->lock);
        err = rd_kafka_mock_pid_find(mcluster, TransactionalId, pid, &mpid);
        if (!err && mpid->pid.epoch != pid.epoch)
                err = RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
        mtx_unlock(&mcluster->lock);
        return err;
}


/* ---- TxnOffsetCommit (replaces the mock's) ---- */

static int tb_handle_TxnOffsetCommit(rd_kafka_mock_connection_t *mconn,
                                     rd_kafka_buf_t *rkbuf) {
        const int log_decode_errors       = LOG_ERR;
        rd_kafka_mock_cluster_t *mcluster = mconn->broker->cluster;
        const int16_t version             = rkbuf->rkbuf_reqhdr.ApiVersion;
        rd_kafka_buf_t *resp = rd_kafka_mock_buf_new_response(rkbuf);
        rd_kafkap_str_t TransactionalId, GroupId;
        rd_kafka_pid_t pid;
        int32_t TopicCnt;
        rd_kafka_resp_err_t all_err;
        char *transactional_id = NULL, *group_id = NULL;

        rd_kafka_buf_read_str(rkbuf, &TransactionalId);
        rd_kafka_buf_read_str(rkbuf, &GroupId);
        rd_kafka_buf_read_i64(rkbuf, &pid.id);
        rd_kafka_buf_read_i16(rkbuf, &pid.epoch);
        if (version >= 3) {
                int32_t GenerationId;
                rd_kafkap_str_t MemberId, GroupInstanceId;
                rd_kafka_buf_read_i32(rkbuf, &GenerationId);
                rd_kafka_buf_read_str(rkbuf, &MemberId);
                rd_kafka_buf_read_str(rkbuf, &GroupInstanceId);
        }

        rd_kafka_buf_write_i32(resp, 0); /* ThrottleTimeMs */
        all_err = rd_kafka_mock_next_request_error(mconn, resp);

        if (!all_err && (RD_KAFKAP_STR_LEN(&TransactionalId) == 0 ||
                         RD_KAFKAP_STR_IS_NULL(&GroupId)))
                all_err = RD_KAFKA_RESP_ERR_INVALID_REQUEST;
        if (!all_err && rd_kafka_mock_cluster_get_coord(
                            mcluster, RD_KAFKA_COORD_GROUP, &GroupId) !=
                            mconn->broker)
                all_err = RD_KAFKA_RESP_ERR_NOT_COORDINATOR;
        if (!all_err)
                all_err = tb_pid_check(mcluster, &TransactionalId, pid);
        if (!all_err) {
                transactional_id = RD_KAFKAP_STR_DUP(&TransactionalId);
                group_id         = RD_KAFKAP_STR_DUP(&GroupId);
        }

        rd_kafka_buf_read_arraycnt(rkbuf, &TopicCnt, RD_KAFKAP_TOPICS_MAX);
        rd_kafka_buf_write_arraycnt(resp, RD_MAX(TopicCnt, 0));
        while (TopicCnt-- > 0) {
                rd_kafkap_str_t Topic;
                int32_t PartitionCnt;
                rd_kafka_mock_topic_t *mtopic;

                rd_kafka_buf_read_str(rkbuf, &Topic);
                rd_kafka_buf_write_kstr(resp, &Topic);
                mtopic = RD_KAFKAP_STR_IS_NULL(&Topic)
                             ? NULL
                             : rd_kafka_mock_topic_find_by_kstr(mcluster,
                                                                &Topic);

                rd_kafka_buf_read_arraycnt(rkbuf, &PartitionCnt,
                                           RD_KAFKAP_PARTITIONS_MAX);
                rd_kafka_buf_write_arraycnt(resp, RD_MAX(PartitionCnt, 0));
                while (PartitionCnt-- > 0) {
                        int32_t Partition, LeaderEpoch = -1;
                        int64_t Offset;
                        rd_kafkap_str_t Metadata;
                        rd_kafka_mock_partition_t *mpart;
                        rd_kafka_resp_err_t err = all_err;

                        rd_kafka_buf_read_i32(rkbuf, &Partition);
                        rd_kafka_buf_read_i64(rkbuf, &Offset);
                        if (version >= 2)
                                rd_kafka_buf_read_i32(rkbuf, &LeaderEpoch);
                        rd_kafka_buf_read_str(rkbuf, &Metadata);
                        rd_kafka_buf_skip_tags(rkbuf);

                        mpart = rd_kafka_mock_partition_find(mtopic, Partition);
                        if (!err && !mpart)
                                err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
                        if (!err)
                                err = rd_kafka_mock_partition_leader_epoch_check(
                                    mpart, LeaderEpoch);
                        if (!err) {
                                char *metadata = NULL;
                                if (!RD_KAFKAP_STR_IS_NULL(&Metadata))
                                        RD_KAFKAP_STR_DUPA(&metadata, &Metadata);
                                tb_pending_set(transactional_id, group_id,
                                               mtopic->name, Partition, Offset,
                                               metadata);
                        }

                        rd_kafka_buf_write_i32(resp, Partition);
                        rd_kafka_buf_write_i16(resp, err);
                        rd_kafka_buf_write_tags_empty(resp);
                }
                rd_kafka_buf_skip_tags(rkbuf);
                rd_kafka_buf_write_tags_empty(resp);
        }

        rd_free(transactional_id);
        rd_free(group_id);
        rd_kafka_mock_connection_send_response(mconn, resp);
        return 0;

err_parse:
        rd_free(transactional_id);
        rd_free(group_id);
        rd_kafka_buf_destroy(resp);
        return -1;
}


/* ---- EndTxn (wraps the mock's) ---- */

static int tb_handle_EndTxn(rd_kafka_mock_connection_t *mconn,
                            rd_kafka_buf_t *rkbuf) {
        const int log_decode_errors = 0;
        rd_slice_t body             = rkbuf->rkbuf_reader;
        rd_kafkap_str_t TransactionalId;
        rd_kafka_pid_t pid;
        rd_bool_t committed;
        int16_t err;
        char *transactional_id;
        int r;

        rd_kafka_buf_read_str(rkbuf, &TransactionalId);
        rd_kafka_buf_read_i64(rkbuf, &pid.id);
        rd_kafka_buf_read_i16(rkbuf, &pid.epoch);
        rd_kafka_buf_read_bool(rkbuf, &committed);
        rkbuf->rkbuf_reader = body;

        r = tb_call_original(mconn, rkbuf);
        if (r == -1 || RD_KAFKAP_STR_LEN(&TransactionalId) == 0)
                return r;

        /* EndTxn response: ThrottleTimeMs(4) ErrorCode(2). Only a
         * successful EndTxn ends the transaction; on error the client
         * retries or aborts, so the offsets stay pending. */
        if (tb_peek_response_i16(mconn, rkbuf, 4, &err) == -1 || err != 0)
                return r;

        RD_KAFKAP_STR_DUPA(&transactional_id, &TransactionalId);
        tb_pending_finish(mconn->broker->cluster, transactional_id, committed);
        return r;

err_parse:
        rkbuf->rkbuf_reader = body;
        return tb_call_original(mconn, rkbuf);
}


/* ---- InitProducerId (wraps the mock's) ---- */

static int tb_handle_InitProducerId(rd_kafka_mock_connection_t *mconn,
                                    rd_kafka_buf_t *rkbuf) {
        const int log_decode_errors = 0;
        rd_slice_t body             = rkbuf->rkbuf_reader;
        rd_kafkap_str_t TransactionalId;
        int16_t err;
        char *transactional_id;
        int r;

        rd_kafka_buf_read_str(rkbuf, &TransactionalId);
        rkbuf->rkbuf_reader = body;

        r = tb_call_original(mconn, rkbuf);
        if (r == -1 || RD_KAFKAP_STR_LEN(&TransactionalId) == 0)
                return r;

        /* A (re)initialised transactional producer fences the previous
         * one, whose open transaction Kafka aborts: drop its offsets.
         * Response: ThrottleTimeMs(4) ErrorCode(2). */
        if (tb_peek_response_i16(mconn, rkbuf, 4, &err) == -1 || err != 0)
                return r;

        RD_KAFKAP_STR_DUPA(&transactional_id, &TransactionalId);
        tb_pending_finish(mconn->broker->cluster, transactional_id, rd_false);
        return r;

err_parse:
        rkbuf->rkbuf_reader = body;
        return tb_call_original(mconn, rkbuf);
}


void tb_txn_install(rd_kafka_mock_cluster_t *mcluster) {
        struct rd_kafka_mock_api_handler *h = mcluster->api_handlers;

        h[RD_KAFKAP_TxnOffsetCommit].cb = tb_handle_TxnOffsetCommit;
        h[RD_KAFKAP_EndTxn].cb          = tb_handle_EndTxn;
        h[RD_KAFKAP_InitProducerId].cb  = tb_handle_InitProducerId;
}
