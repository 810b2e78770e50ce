/*
 * Reading the log: Fetch and ListOffsets, replacing the mock's handlers.
 *
 * Fetch, compared with the mock's:
 *   - returns as many record batches as fit in the byte limits (the mock
 *     returns one batch per partition per request);
 *   - honours read_committed: data stops at the last stable offset and
 *     aborted transactions are reported so clients can skip them;
 *   - holds an empty response at most tb_conf.fetch_wait_max_ms instead of
 *     the client's MaxWaitMs, because a held response cannot be released
 *     early when data arrives (so new data waits at most that long);
 *   - finds the first batch from whichever end of the log is nearer.
 * Versions 0-11 (the non-flexible ones) are served; clients negotiate down.
 *
 * ListOffsets adds lookups by timestamp (the mock answers -1, FIXME in its
 * source) and the max-timestamp query of v7.
 */
#include "ext.h"

/* Kafka's special ListOffsets timestamps. */
#define TB_OFFSET_LATEST        (-1)
#define TB_OFFSET_EARLIEST      (-2)
#define TB_OFFSET_MAX_TIMESTAMP (-3)


/* ---- record batch helpers ---- */

static int64_t tb_be64(const unsigned char *p) {
        uint64_t v;
        memcpy(&v, p, sizeof(v));
        return (int64_t)be64toh(v);
}

static int32_t tb_be32(const unsigned char *p) {
        uint32_t v;
        memcpy(&v, p, sizeof(v));
        return (int32_t)be32toh(v);
}

static int16_t tb_be16(const unsigned char *p) {
        uint16_t v;
        memcpy(&v, p, sizeof(v));
        return (int16_t)be16toh(v);
}

/** A v2 record batch's header fields that matter here. */
typedef struct tb_batch_info_s {
        rd_bool_t valid; /* magic 2 and long enough */
        int16_t attributes;
        int64_t base_timestamp;
        int64_t max_timestamp;
        int32_t record_cnt;
} tb_batch_info_t;

static tb_batch_info_t tb_batch_info(const rd_kafka_mock_msgset_t *mset) {
        const unsigned char *p = mset->bytes.data;
        tb_batch_info_t info   = {0};

        if ((size_t)mset->bytes.len < RD_KAFKAP_MSGSET_V2_SIZE ||
            p[RD_KAFKAP_MSGSET_V2_OF_MagicByte] != 2)
                return info;

        info.valid      = rd_true;
        info.attributes = tb_be16(p + RD_KAFKAP_MSGSET_V2_OF_Attributes);
        info.base_timestamp =
            tb_be64(p + RD_KAFKAP_MSGSET_V2_OF_BaseTimestamp);
        info.max_timestamp = tb_be64(p + RD_KAFKAP_MSGSET_V2_OF_MaxTimestamp);
        info.record_cnt    = tb_be32(p + RD_KAFKAP_MSGSET_V2_OF_RecordCount);
        return info;
}

/**
 * Calls \p visit(offset, timestamp, opaque) for each record of an
 * uncompressed v2 batch, in order, until it returns true.
 * @returns false if the batch could not be walked (compressed, legacy,
 *          or malformed), true otherwise.
 */
static rd_bool_t
tb_batch_walk(const rd_kafka_mock_msgset_t *mset,
              rd_bool_t (*visit)(int64_t offset, int64_t ts, void *opaque),
              void *opaque) {
        tb_batch_info_t info = tb_batch_info(mset);
        const char *p        = mset->bytes.data;
        size_t len           = (size_t)mset->bytes.len;
        size_t of            = RD_KAFKAP_MSGSET_V2_SIZE;
        int32_t i;

        if (!info.valid || (info.attributes & RD_KAFKA_MSG_ATTR_COMPRESSION_MASK))
                return rd_false;

        for (i = 0; i < info.record_cnt && of < len; i++) {
                int64_t record_len, ts_delta, offset_delta;
                int8_t attributes;
                size_t r, start;

                r = rd_varint_dec_i64(p + of, len - of, &record_len);
                if (RD_UVARINT_DEC_FAILED(r) || record_len < 0)
                        return rd_false;
                of += r;
                start = of;
                if ((size_t)record_len > len - of || record_len < 1)
                        return rd_false;

                attributes = p[of++];
                (void)attributes;
                r = rd_varint_dec_i64(p + of, len - of, &ts_delta);
                if (RD_UVARINT_DEC_FAILED(r))
                        return rd_false;
                of += r;
                r = rd_varint_dec_i64(p + of, len - of, &offset_delta);
                if (RD_UVARINT_DEC_FAILED(r))
                        return rd_false;

                if (visit(mset->first_offset + offset_delta,
                          info.base_timestamp + ts_delta, opaque))
                        return rd_true;
                of = start + (size_t)record_len;
        }
        return rd_true;
}

/** Finds the batch holding \p offset, scanning from the nearer end. */
static const rd_kafka_mock_msgset_t *
tb_msgset_find(const rd_kafka_mock_partition_t *mpart, int64_t offset) {
        const rd_kafka_mock_msgset_t *mset;

        if (offset < mpart->start_offset || offset >= mpart->end_offset)
                return NULL;

        if (offset - mpart->start_offset <= mpart->end_offset - offset) {
                TAILQ_FOREACH(mset, &mpart->msgsets, link) {
                        /* A batch starting after \p offset means the
                         * offset fell in a gap: serve the next data. */
                        if (mset->last_offset >= offset)
                                return mset;
                }
        } else {
                TAILQ_FOREACH_REVERSE(mset, &mpart->msgsets,
                                      rd_kafka_mock_msgset_tailq_s, link) {
                        if (mset->first_offset <= offset)
                                return mset->last_offset >= offset
                                           ? mset
                                           : TAILQ_NEXT(mset, link);
                }
                return TAILQ_FIRST(&mpart->msgsets);
        }
        return NULL;
}


/* ---- Fetch ---- */

/** Writes the aborted transactions overlapping [from, to) as the Fetch
 *  response's AbortedTransactions array. */
static void tb_write_aborted(rd_kafka_buf_t *resp,
                             const rd_kafka_mock_partition_t *mpart,
                             int64_t from,
                             int64_t to) {
        const rd_kafka_mock_aborted_txn_t *mabort;
        size_t of_cnt = rd_kafka_buf_write_arraycnt_pos(resp);
        size_t cnt    = 0;

        if (mpart) {
                TAILQ_FOREACH(mabort, &mpart->aborted_txns, link) {
                        if (mabort->last_offset < from ||
                            mabort->first_offset >= to)
                                continue;
                        rd_kafka_buf_write_i64(resp, mabort->pid_id);
                        rd_kafka_buf_write_i64(resp, mabort->first_offset);
                        cnt++;
                }
        }
        rd_kafka_buf_finalize_arraycnt(resp, of_cnt, cnt);
}

static int tb_handle_Fetch(rd_kafka_mock_connection_t *mconn,
                           rd_kafka_buf_t *rkbuf) {
        const int log_decode_errors       = LOG_ERR;
        rd_kafka_mock_cluster_t *mcluster = mconn->broker->cluster;
        const int16_t version             = rkbuf->rkbuf_reqhdr.ApiVersion;
        rd_kafka_buf_t *resp = rd_kafka_mock_buf_new_response(rkbuf);
        int32_t ReplicaId, MaxWait, MinBytes, MaxBytes = INT32_MAX;
        int32_t SessionId = 0, SessionEpoch = -1, TopicCnt;
        int8_t IsolationLevel = 0;
        size_t total_bytes    = 0;
        rd_kafka_resp_err_t all_err;

        rd_kafka_buf_read_i32(rkbuf, &ReplicaId);
        rd_kafka_buf_read_i32(rkbuf, &MaxWait);
        rd_kafka_buf_read_i32(rkbuf, &MinBytes);
        if (version >= 3)
                rd_kafka_buf_read_i32(rkbuf, &MaxBytes);
        if (version >= 4)
                rd_kafka_buf_read_i8(rkbuf, &IsolationLevel);
        if (version >= 7) {
                rd_kafka_buf_read_i32(rkbuf, &SessionId);
                rd_kafka_buf_read_i32(rkbuf, &SessionEpoch);
        }

        if (version >= 1)
                rd_kafka_buf_write_i32(resp, 0); /* ThrottleTimeMs */
        all_err = rd_kafka_mock_next_request_error(mconn, resp);
        if (version >= 7) {
                rd_kafka_buf_write_i16(resp, all_err);
                rd_kafka_buf_write_i32(resp, 0); /* no fetch sessions */
        }

        rd_kafka_buf_read_arraycnt(rkbuf, &TopicCnt, RD_KAFKAP_TOPICS_MAX);
        rd_kafka_buf_write_arraycnt(resp, RD_MAX(TopicCnt, 0));
        while (TopicCnt-- > 0) {
                rd_kafkap_str_t Topic;
                int32_t PartitionCnt;
                rd_kafka_mock_topic_t *mtopic;

                rd_kafka_buf_read_str(rkbuf, &Topic);
                rd_kafka_buf_read_arraycnt(rkbuf, &PartitionCnt,
                                           RD_KAFKAP_PARTITIONS_MAX);
                mtopic = RD_KAFKAP_STR_IS_NULL(&Topic)
                             ? NULL
                             : rd_kafka_mock_topic_find_by_kstr(mcluster,
                                                                &Topic);

                rd_kafka_buf_write_kstr(resp, &Topic);
                rd_kafka_buf_write_arraycnt(resp, RD_MAX(PartitionCnt, 0));
                while (PartitionCnt-- > 0) {
                        int32_t Partition, CurrentLeaderEpoch = -1,
                                           PartMaxBytes;
                        int64_t FetchOffset, LogStartOffset;
                        rd_kafka_mock_partition_t *mpart;
                        const rd_kafka_mock_msgset_t *mset, *first = NULL,
                                                            *last = NULL;
                        rd_kafka_resp_err_t err = all_err;
                        size_t part_bytes       = 0;
                        int64_t readable_end    = 0;

                        rd_kafka_buf_read_i32(rkbuf, &Partition);
                        if (version >= 9)
                                rd_kafka_buf_read_i32(rkbuf,
                                                      &CurrentLeaderEpoch);
                        rd_kafka_buf_read_i64(rkbuf, &FetchOffset);
                        if (version >= 5)
                                rd_kafka_buf_read_i64(rkbuf, &LogStartOffset);
                        rd_kafka_buf_read_i32(rkbuf, &PartMaxBytes);

                        mpart = rd_kafka_mock_partition_find(mtopic, Partition);
                        if (!err && !mpart)
                                err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
                        else if (!err && mpart->leader != mconn->broker)
                                err = RD_KAFKA_RESP_ERR_NOT_LEADER_OR_FOLLOWER;
                        if (!err)
                                err = rd_kafka_mock_partition_leader_epoch_check(
                                    mpart, CurrentLeaderEpoch);
                        if (!err)
                                err = rd_kafka_mock_partition_next_request_error(
                                    mpart, rkbuf->rkbuf_reqhdr.ApiKey);
                        if (!err && (FetchOffset < mpart->start_offset ||
                                     FetchOffset > mpart->end_offset))
                                err = RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE;

                        if (!err) {
                                /* read_committed stops at the first open
                                 * transaction. */
                                readable_end = IsolationLevel == 1
                                                   ? mpart->lso
                                                   : mpart->end_offset;
                                for (mset = tb_msgset_find(mpart, FetchOffset);
                                     mset && mset->first_offset < readable_end;
                                     mset = TAILQ_NEXT(mset, link)) {
                                        size_t len = (size_t)mset->bytes.len;
                                        /* The first batch is always sent, as
                                         * Kafka does, so that a batch larger
                                         * than the limits still progresses. */
                                        if (first &&
                                            (part_bytes + len >
                                                 (size_t)RD_MAX(PartMaxBytes,
                                                                0) ||
                                             total_bytes + len >
                                                 (size_t)RD_MAX(MaxBytes, 0)))
                                                break;
                                        if (!first)
                                                first = mset;
                                        last = mset;
                                        part_bytes += len;
                                        total_bytes += len;
                                }
                        }

                        rd_kafka_buf_write_i32(resp, Partition);
                        rd_kafka_buf_write_i16(resp, err);
                        rd_kafka_buf_write_i64(resp,
                                               mpart ? mpart->end_offset : -1);
                        if (version >= 4)
                                rd_kafka_buf_write_i64(resp,
                                                       mpart ? mpart->lso : -1);
                        if (version >= 5)
                                rd_kafka_buf_write_i64(
                                    resp, mpart ? mpart->start_offset : -1);
                        if (version >= 4) {
                                if (IsolationLevel == 1 && first)
                                        tb_write_aborted(resp, mpart,
                                                         FetchOffset,
                                                         last->last_offset + 1);
                                else
                                        tb_write_aborted(resp, NULL, 0, 0);
                        }
                        if (version >= 11)
                                rd_kafka_buf_write_i32(resp, -1); /* replica */

                        /* Records: the batches, back to back */
                        rd_kafka_buf_write_i32(resp, (int32_t)part_bytes);
                        for (mset = first; mset;
                             mset = mset == last ? NULL
                                                 : TAILQ_NEXT(mset, link))
                                rd_kafka_buf_write(resp, mset->bytes.data,
                                                   (size_t)mset->bytes.len);
                }
        }

        if (version >= 7) {
                int32_t ForgottenCnt;
                rd_kafka_buf_read_arraycnt(rkbuf, &ForgottenCnt,
                                           RD_KAFKAP_TOPICS_MAX);
                while (ForgottenCnt-- > 0) {
                        rd_kafkap_str_t Topic;
                        int32_t PartitionCnt;
                        rd_kafka_buf_read_str(rkbuf, &Topic);
                        rd_kafka_buf_read_arraycnt(rkbuf, &PartitionCnt,
                                                   RD_KAFKAP_PARTITIONS_MAX);
                        rd_kafka_buf_skip(rkbuf,
                                          (size_t)RD_MAX(PartitionCnt, 0) * 4);
                }
        }
        if (version >= 11) {
                rd_kafkap_str_t RackId;
                rd_kafka_buf_read_str(rkbuf, &RackId);
        }

        if (!total_bytes && MaxWait > 0)
                resp->rkbuf_ts_retry =
                    rd_clock() +
                    (rd_ts_t)RD_MIN(MaxWait, tb_conf.fetch_wait_max_ms) * 1000;

        rd_kafka_mock_connection_send_response(mconn, resp);
        return 0;

err_parse:
        rd_kafka_buf_destroy(resp);
        return -1;
}


/* ---- ListOffsets ---- */

typedef struct tb_ts_search_s {
        int64_t target;      /* wanted timestamp, or MAX_TIMESTAMP */
        int64_t offset;      /* result, -1 if none */
        int64_t timestamp;   /* result's timestamp */
} tb_ts_search_t;

static rd_bool_t tb_visit_first_at_or_after(int64_t offset,
                                            int64_t ts,
                                            void *opaque) {
        tb_ts_search_t *s = opaque;
        if (ts < s->target)
                return rd_false;
        s->offset    = offset;
        s->timestamp = ts;
        return rd_true;
}

static rd_bool_t tb_visit_max(int64_t offset, int64_t ts, void *opaque) {
        tb_ts_search_t *s = opaque;
        if (s->offset == -1 || ts > s->timestamp) {
                s->offset    = offset;
                s->timestamp = ts;
        }
        return rd_false;
}

/**
 * Kafka's rule: the earliest offset whose timestamp is >= the target, found
 * through the first batch whose max timestamp is >= the target. Compressed
 * batches cannot be walked here: their first offset stands for them.
 * Control batches (transaction markers) hold no records to find.
 */
static void tb_find_by_timestamp(const rd_kafka_mock_partition_t *mpart,
                                 tb_ts_search_t *s) {
        const rd_kafka_mock_msgset_t *mset;

        s->offset    = -1;
        s->timestamp = -1;

        TAILQ_FOREACH(mset, &mpart->msgsets, link) {
                tb_batch_info_t info = tb_batch_info(mset);

                if (!info.valid || (info.attributes &
                                    RD_KAFKA_MSGSET_V2_ATTR_CONTROL))
                        continue;

                if (s->target == TB_OFFSET_MAX_TIMESTAMP) {
                        if (!tb_batch_walk(mset, tb_visit_max, s) &&
                            (s->offset == -1 ||
                             info.max_timestamp > s->timestamp)) {
                                s->offset    = mset->last_offset;
                                s->timestamp = info.max_timestamp;
                        }
                        continue;
                }

                if (info.max_timestamp < s->target)
                        continue;
                if (!tb_batch_walk(mset, tb_visit_first_at_or_after, s)) {
                        s->offset    = mset->first_offset;
                        s->timestamp = info.max_timestamp;
                }
                if (s->offset != -1)
                        return;
        }
}

static int tb_handle_ListOffsets(rd_kafka_mock_connection_t *mconn,
                                 rd_kafka_buf_t *rkbuf) {
        const int log_decode_errors       = LOG_ERR;
        rd_kafka_mock_cluster_t *mcluster = mconn->broker->cluster;
        const int16_t version             = rkbuf->rkbuf_reqhdr.ApiVersion;
        rd_kafka_buf_t *resp = rd_kafka_mock_buf_new_response(rkbuf);
        int32_t ReplicaId, TopicCnt;
        int8_t IsolationLevel = 0;
        rd_kafka_resp_err_t all_err;

        rd_kafka_buf_read_i32(rkbuf, &ReplicaId);
        if (version >= 2)
                rd_kafka_buf_read_i8(rkbuf, &IsolationLevel);

        if (version >= 2)
                rd_kafka_buf_write_i32(resp, 0); /* ThrottleTimeMs */
        all_err = rd_kafka_mock_next_request_error(mconn, resp);

        rd_kafka_buf_read_arraycnt(rkbuf, &TopicCnt, RD_KAFKAP_TOPICS_MAX);
        rd_kafka_buf_write_arraycnt(resp, RD_MAX(TopicCnt, 0));
        while (TopicCnt-- > 0) {
                rd_kafkap_str_t Topic;
                int32_t PartitionCnt;
                rd_kafka_mock_topic_t *mtopic;

                rd_kafka_buf_read_str(rkbuf, &Topic);
                rd_kafka_buf_read_arraycnt(rkbuf, &PartitionCnt,
                                           RD_KAFKAP_PARTITIONS_MAX);
                mtopic = RD_KAFKAP_STR_IS_NULL(&Topic)
                             ? NULL
                             : rd_kafka_mock_topic_find_by_kstr(mcluster,
                                                                &Topic);

                rd_kafka_buf_write_kstr(resp, &Topic);
                rd_kafka_buf_write_arraycnt(resp, RD_MAX(PartitionCnt, 0));
                while (PartitionCnt-- > 0) {
                        int32_t Partition, CurrentLeaderEpoch = -1,
                                           MaxNumOffsets;
                        int64_t Timestamp;
                        rd_kafka_mock_partition_t *mpart;
                        rd_kafka_resp_err_t err = all_err;
                        tb_ts_search_t found    = {.offset    = -1,
                                                   .timestamp = -1};
                        int32_t leader_epoch    = -1;

                        rd_kafka_buf_read_i32(rkbuf, &Partition);
                        if (version >= 4)
                                rd_kafka_buf_read_i32(rkbuf,
                                                      &CurrentLeaderEpoch);
                        rd_kafka_buf_read_i64(rkbuf, &Timestamp);
                        if (version == 0)
                                rd_kafka_buf_read_i32(rkbuf, &MaxNumOffsets);
                        rd_kafka_buf_skip_tags(rkbuf);

                        mpart = rd_kafka_mock_partition_find(mtopic, Partition);
                        if (!err && !mpart)
                                err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
                        else if (!err && mpart->leader != mconn->broker)
                                err = RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION;
                        if (!err)
                                err = rd_kafka_mock_partition_leader_epoch_check(
                                    mpart, CurrentLeaderEpoch);

                        if (!err) {
                                leader_epoch = mpart->leader_epoch;
                                if (Timestamp == TB_OFFSET_EARLIEST)
                                        found.offset = mpart->start_offset;
                                else if (Timestamp == TB_OFFSET_LATEST)
                                        found.offset = IsolationLevel == 1
                                                           ? mpart->lso
                                                           : mpart->end_offset;
                                else if (Timestamp >= 0 ||
                                         Timestamp == TB_OFFSET_MAX_TIMESTAMP) {
                                        found.target = Timestamp;
                                        tb_find_by_timestamp(mpart, &found);
                                }
                        }

                        rd_kafka_buf_write_i32(resp, Partition);
                        rd_kafka_buf_write_i16(resp, err);
                        if (version == 0) {
                                /* OldStyleOffsets */
                                rd_kafka_buf_write_i32(
                                    resp, found.offset != -1 ? 1 : 0);
                                if (found.offset != -1)
                                        rd_kafka_buf_write_i64(resp,
                                                               found.offset);
                        } else {
                                rd_kafka_buf_write_i64(resp, found.timestamp);
                                rd_kafka_buf_write_i64(resp, found.offset);
                        }
                        if (version >= 4)
                                rd_kafka_buf_write_i32(resp, leader_epoch);
                        rd_kafka_buf_write_tags_empty(resp);
                }
                rd_kafka_buf_skip_tags(rkbuf);
                rd_kafka_buf_write_tags_empty(resp);
        }

        rd_kafka_mock_connection_send_response(mconn, resp);
        return 0;

err_parse:
        rd_kafka_buf_destroy(resp);
        return -1;
}


void tb_log_install(rd_kafka_mock_cluster_t *mcluster) {
        struct rd_kafka_mock_api_handler *h = mcluster->api_handlers;

        h[RD_KAFKAP_Fetch] = (struct rd_kafka_mock_api_handler){
            0, 11, -1, tb_handle_Fetch};
        h[RD_KAFKAP_ListOffsets] = (struct rd_kafka_mock_api_handler){
            0, 7, 6, tb_handle_ListOffsets};
}
