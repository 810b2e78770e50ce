/*
 * Topic administration: CreateTopics and DeleteTopics, which no version of
 * the mock implements, and retention for auto-created topics.
 */
#include "ext.h"

#define TB_MAX_PARTITIONS 100000
#define TB_MAX_REPLICAS   1000

static rd_kafka_mock_broker_t *tb_broker_find(rd_kafka_mock_cluster_t *mcluster,
                                              int32_t broker_id) {
        rd_kafka_mock_broker_t *mrkb;

        TAILQ_FOREACH(mrkb, &mcluster->brokers, link) {
                if (mrkb->id == broker_id)
                        return mrkb;
        }
        return NULL;
}


/* ---- CreateTopics ---- */

/** One requested topic, parsed in full before anything is created because
 *  ValidateOnly comes after the topic list. */
typedef struct tb_new_topic_s {
        char *name;
        int32_t num_partitions;
        int16_t replication_factor;
        int32_t assignment_cnt;   /* manual assignments, 0 if none */
        int32_t *assigned_index;  /* [assignment_cnt] partition index */
        int32_t *replica_cnt;     /* [assignment_cnt] */
        int32_t **replica_ids;    /* [assignment_cnt][replica_cnt[i]] */
} tb_new_topic_t;

static void tb_new_topic_clear(tb_new_topic_t *t) {
        int32_t i;

        rd_free(t->name);
        /* replica_ids exists only once assignment_cnt was read and valid. */
        for (i = 0; t->replica_ids && i < t->assignment_cnt; i++)
                rd_free(t->replica_ids[i]);
        rd_free(t->replica_ids);
        rd_free(t->replica_cnt);
        rd_free(t->assigned_index);
        memset(t, 0, sizeof(*t));
}

/* Validates a manual replica assignment; returns the error and message. */
static rd_kafka_resp_err_t
tb_check_assignment(rd_kafka_mock_cluster_t *mcluster,
                    const tb_new_topic_t *t,
                    const char **msgp) {
        int32_t i, j, k;

        if (t->num_partitions != -1 || t->replication_factor != -1) {
                *msgp = "Both numPartitions or replicationFactor and "
                        "replicasAssignment were set";
                return RD_KAFKA_RESP_ERR_INVALID_REQUEST;
        }
        for (i = 0; i < t->assignment_cnt; i++) {
                rd_bool_t index_seen = rd_false;

                for (j = 0; j < t->assignment_cnt; j++)
                        if (t->assigned_index[j] == i)
                                index_seen = rd_true;
                if (!index_seen || t->replica_cnt[i] < 1) {
                        *msgp = "Partitions must be numbered 0..N-1 and "
                                "have at least one replica";
                        return RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT;
                }
                for (j = 0; j < t->replica_cnt[i]; j++) {
                        if (!tb_broker_find(mcluster, t->replica_ids[i][j])) {
                                *msgp = "Assignment names an unknown broker";
                                return RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT;
                        }
                        for (k = 0; k < j; k++)
                                if (t->replica_ids[i][k] ==
                                    t->replica_ids[i][j]) {
                                        *msgp = "Assignment repeats a broker";
                                        return RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT;
                                }
                }
        }
        return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* Replaces the replicas (and leader) the mock chose with the requested ones. */
static void tb_apply_assignment(rd_kafka_mock_cluster_t *mcluster,
                                rd_kafka_mock_topic_t *mtopic,
                                const tb_new_topic_t *t) {
        int32_t i, j;

        for (i = 0; i < t->assignment_cnt; i++) {
                rd_kafka_mock_partition_t *mpart =
                    rd_kafka_mock_partition_find(mtopic, t->assigned_index[i]);
                if (!mpart)
                        continue;
                rd_free(mpart->replicas);
                mpart->replicas =
                    rd_calloc((size_t)t->replica_cnt[i], sizeof(*mpart->replicas));
                mpart->replica_cnt = t->replica_cnt[i];
                for (j = 0; j < t->replica_cnt[i]; j++)
                        mpart->replicas[j] =
                            tb_broker_find(mcluster, t->replica_ids[i][j]);
                mpart->leader = mpart->replicas[0];
        }
}

static rd_kafka_resp_err_t tb_create_topic(rd_kafka_mock_cluster_t *mcluster,
                                           const tb_new_topic_t *t,
                                           rd_bool_t validate_only,
                                           const char **msgp) {
        int partitions, replication;
        rd_kafka_mock_topic_t *mtopic;
        rd_kafka_resp_err_t err;

        if (!tb_topic_name_valid(t->name)) {
                *msgp = "Topic name is illegal: use 1-249 characters of "
                        "[a-zA-Z0-9._-]";
                return RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION;
        }
        if (rd_kafka_mock_topic_find(mcluster, t->name)) {
                *msgp = "Topic already exists";
                return RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS;
        }

        if (t->assignment_cnt > 0) {
                if ((err = tb_check_assignment(mcluster, t, msgp)))
                        return err;
                partitions  = t->assignment_cnt;
                replication = t->replica_cnt[0];
        } else {
                partitions  = t->num_partitions == -1
                                  ? mcluster->defaults.partition_cnt
                                  : t->num_partitions;
                replication = t->replication_factor == -1
                                  ? mcluster->defaults.replication_factor
                                  : t->replication_factor;
                if (partitions < 1 || partitions > TB_MAX_PARTITIONS) {
                        *msgp = "Number of partitions must be 1..100000";
                        return RD_KAFKA_RESP_ERR_INVALID_PARTITIONS;
                }
                if (replication < 1 || replication > mcluster->broker_cnt) {
                        *msgp = "Replication factor must be between 1 and "
                                "the number of brokers";
                        return RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR;
                }
        }

        if (validate_only)
                return RD_KAFKA_RESP_ERR_NO_ERROR;

        /* topic_auto_create() is the mock's one exported way to create a
         * topic from its own thread; it takes the replication factor from
         * the defaults, so lend it ours for the call. */
        {
                int saved = mcluster->defaults.replication_factor;
                mcluster->defaults.replication_factor = replication;
                mtopic = rd_kafka_mock_topic_auto_create(mcluster, t->name,
                                                         partitions, &err);
                mcluster->defaults.replication_factor = saved;
        }
        if (!mtopic) {
                *msgp = "Topic creation failed";
                return RD_KAFKA_RESP_ERR_UNKNOWN;
        }
        if (t->assignment_cnt > 0)
                tb_apply_assignment(mcluster, mtopic, t);
        tb_apply_retention(mcluster);
        return RD_KAFKA_RESP_ERR_NO_ERROR;
}

static int tb_handle_CreateTopics(rd_kafka_mock_connection_t *mconn,
                                  rd_kafka_buf_t *rkbuf) {
        const int log_decode_errors       = LOG_ERR;
        rd_kafka_mock_cluster_t *mcluster = mconn->broker->cluster;
        const int16_t version             = rkbuf->rkbuf_reqhdr.ApiVersion;
        rd_kafka_buf_t *resp = rd_kafka_mock_buf_new_response(rkbuf);
        tb_new_topic_t *topics = NULL;
        int32_t TopicCnt = 0, parsed = 0, TimeoutMs, i, j;
        rd_bool_t ValidateOnly = rd_false;
        rd_kafka_resp_err_t all_err;

        rd_kafka_buf_read_arraycnt(rkbuf, &TopicCnt, RD_KAFKAP_TOPICS_MAX);
        if (TopicCnt > 0)
                topics = rd_calloc((size_t)TopicCnt, sizeof(*topics));

        for (parsed = 0; parsed < TopicCnt; parsed++) {
                tb_new_topic_t *t = &topics[parsed];
                rd_kafkap_str_t Name;
                int32_t ConfigCnt;

                rd_kafka_buf_read_str(rkbuf, &Name);
                t->name = RD_KAFKAP_STR_IS_NULL(&Name) ? rd_strdup("")
                                                       : RD_KAFKAP_STR_DUP(&Name);
                rd_kafka_buf_read_i32(rkbuf, &t->num_partitions);
                rd_kafka_buf_read_i16(rkbuf, &t->replication_factor);

                rd_kafka_buf_read_arraycnt(rkbuf, &t->assignment_cnt,
                                           TB_MAX_PARTITIONS);
                if (t->assignment_cnt < 0)
                        t->assignment_cnt = 0;
                if (t->assignment_cnt > 0) {
                        t->assigned_index = rd_calloc(
                            (size_t)t->assignment_cnt, sizeof(int32_t));
                        t->replica_cnt = rd_calloc((size_t)t->assignment_cnt,
                                                   sizeof(int32_t));
                        t->replica_ids = rd_calloc((size_t)t->assignment_cnt,
                                                   sizeof(int32_t *));
                }
                for (i = 0; i < t->assignment_cnt; i++) {
                        int32_t ReplicaCnt;

                        rd_kafka_buf_read_i32(rkbuf, &t->assigned_index[i]);
                        rd_kafka_buf_read_arraycnt(rkbuf, &ReplicaCnt,
                                                   TB_MAX_REPLICAS);
                        if (ReplicaCnt > 0) {
                                t->replica_ids[i] = rd_calloc(
                                    (size_t)ReplicaCnt, sizeof(int32_t));
                                t->replica_cnt[i] = ReplicaCnt;
                        }
                        for (j = 0; j < ReplicaCnt; j++)
                                rd_kafka_buf_read_i32(rkbuf,
                                                      &t->replica_ids[i][j]);
                        rd_kafka_buf_skip_tags(rkbuf);
                }

                /* Topic configs are accepted and ignored. */
                rd_kafka_buf_read_arraycnt(rkbuf, &ConfigCnt, 100000);
                while (ConfigCnt-- > 0) {
                        rd_kafkap_str_t ConfigName, ConfigValue;
                        rd_kafka_buf_read_str(rkbuf, &ConfigName);
                        rd_kafka_buf_read_str(rkbuf, &ConfigValue);
                        rd_kafka_buf_skip_tags(rkbuf);
                }
                rd_kafka_buf_skip_tags(rkbuf);
        }
        rd_kafka_buf_read_i32(rkbuf, &TimeoutMs);
        if (version >= 1)
                rd_kafka_buf_read_bool(rkbuf, &ValidateOnly);
        rd_kafka_buf_skip_tags(rkbuf);

        if (version >= 2)
                rd_kafka_buf_write_i32(resp, 0); /* ThrottleTimeMs */
        all_err = rd_kafka_mock_next_request_error(mconn, resp);

        rd_kafka_buf_write_arraycnt(resp, RD_MAX(TopicCnt, 0));
        for (i = 0; i < TopicCnt; i++) {
                rd_kafka_resp_err_t err = all_err;
                const char *msg = err ? rd_kafka_err2str(err) : NULL;

                for (j = 0; !err && j < i; j++) {
                        if (!strcmp(topics[j].name, topics[i].name)) {
                                err = RD_KAFKA_RESP_ERR_INVALID_REQUEST;
                                msg = "Topic listed more than once";
                        }
                }
                if (!err)
                        err = tb_create_topic(mcluster, &topics[i],
                                              ValidateOnly, &msg);

                rd_kafka_buf_write_str(resp, topics[i].name, -1);
                rd_kafka_buf_write_i16(resp, err);
                if (version >= 1)
                        rd_kafka_buf_write_str(resp, err ? msg : NULL, -1);
                rd_kafka_buf_write_tags_empty(resp);
        }

        for (i = 0; i < TopicCnt; i++)
                tb_new_topic_clear(&topics[i]);
        rd_free(topics);
        rd_kafka_mock_connection_send_response(mconn, resp);
        return 0;

err_parse:
        /* Partly parsed topics hold their allocations too. (A count that
         * failed its range check leaves topics unallocated.) */
        for (i = 0; topics && i < TopicCnt && i <= parsed; i++)
                tb_new_topic_clear(&topics[i]);
        rd_free(topics);
        rd_kafka_buf_destroy(resp);
        return -1;
}


/* ---- DeleteTopics ---- */

/*
 * The mock's topic destructor is private to it, and its public
 * rd_kafka_mock_topic_delete() waits for the mock thread, where handlers
 * run. So the handler queues the mock's own delete command without waiting:
 * the mock thread serves queued commands before it handles any more socket
 * events, so the topic is gone before the response is written.
 */
static void tb_queue_topic_delete(rd_kafka_mock_cluster_t *mcluster,
                                  const char *topic) {
        rd_kafka_op_t *rko = rd_kafka_op_new(RD_KAFKA_OP_MOCK);

        rko->rko_u.mock.name = rd_strdup(topic);
        rko->rko_u.mock.cmd  = RD_KAFKA_MOCK_CMD_TOPIC_DELETE;
        rd_kafka_q_enq(mcluster->ops, rko);
}

static int tb_handle_DeleteTopics(rd_kafka_mock_connection_t *mconn,
                                  rd_kafka_buf_t *rkbuf) {
        const int log_decode_errors       = LOG_ERR;
        rd_kafka_mock_cluster_t *mcluster = mconn->broker->cluster;
        const int16_t version             = rkbuf->rkbuf_reqhdr.ApiVersion;
        rd_kafka_buf_t *resp = rd_kafka_mock_buf_new_response(rkbuf);
        rd_kafkap_str_t *names = NULL;
        int32_t TopicCnt, TimeoutMs, i;
        rd_kafka_resp_err_t all_err;

        rd_kafka_buf_read_arraycnt(rkbuf, &TopicCnt, RD_KAFKAP_TOPICS_MAX);
        if (TopicCnt > 0)
                names = rd_calloc((size_t)TopicCnt, sizeof(*names));
        for (i = 0; i < TopicCnt; i++)
                rd_kafka_buf_read_str(rkbuf, &names[i]);
        rd_kafka_buf_read_i32(rkbuf, &TimeoutMs);
        rd_kafka_buf_skip_tags(rkbuf);

        if (version >= 1)
                rd_kafka_buf_write_i32(resp, 0); /* ThrottleTimeMs */
        all_err = rd_kafka_mock_next_request_error(mconn, resp);

        rd_kafka_buf_write_arraycnt(resp, RD_MAX(TopicCnt, 0));
        for (i = 0; i < TopicCnt; i++) {
                rd_kafka_resp_err_t err = all_err;
                rd_kafka_mock_topic_t *mtopic = NULL;

                if (!err && !RD_KAFKAP_STR_IS_NULL(&names[i]))
                        mtopic = rd_kafka_mock_topic_find_by_kstr(mcluster,
                                                                  &names[i]);
                if (!err && !mtopic)
                        err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
                else if (!err && !strcmp(mtopic->name, TB_OFFSETS_TOPIC_NAME))
                        err = RD_KAFKA_RESP_ERR_INVALID_REQUEST;

                if (!err)
                        tb_queue_topic_delete(mcluster, mtopic->name);

                rd_kafka_buf_write_kstr(resp, &names[i]);
                rd_kafka_buf_write_i16(resp, err);
                rd_kafka_buf_write_tags_empty(resp);
        }

        rd_free(names);
        rd_kafka_mock_connection_send_response(mconn, resp);
        return 0;

err_parse:
        rd_free(names);
        rd_kafka_buf_destroy(resp);
        return -1;
}


/* ---- Metadata (wraps the mock's) ---- */

/* Metadata requests may auto-create topics (with the mock's fixed 5 MB
 * retention): give new topics the configured retention right away, before
 * any client can produce to them. */
static int tb_handle_Metadata(rd_kafka_mock_connection_t *mconn,
                              rd_kafka_buf_t *rkbuf) {
        rd_kafka_mock_cluster_t *mcluster = mconn->broker->cluster;
        int topic_cnt                     = mcluster->topic_cnt;
        int r                             = tb_call_original(mconn, rkbuf);

        if (mcluster->topic_cnt != topic_cnt)
                tb_apply_retention(mcluster);
        return r;
}


void tb_admin_install(rd_kafka_mock_cluster_t *mcluster) {
        struct rd_kafka_mock_api_handler *h = mcluster->api_handlers;

        h[RD_KAFKAP_Metadata].cb = tb_handle_Metadata;

        h[RD_KAFKAP_CreateTopics] = (struct rd_kafka_mock_api_handler){
            0, 4, 5, tb_handle_CreateTopics};
        h[RD_KAFKAP_DeleteTopics] = (struct rd_kafka_mock_api_handler){
            0, 3, 4, tb_handle_DeleteTopics};
}
