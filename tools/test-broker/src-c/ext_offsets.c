/*
 * Committed offsets: OffsetFetch (replacing the mock's), DeleteGroups
 * (missing from the mock) and a wrapper around the mock's OffsetCommit.
 *
 * OffsetFetch, compared with the mock's:
 *   - a null topic list means every partition the group committed, as in
 *     Kafka (kafkajs sends it for fetchOffsets without topics; the mock
 *     answered a null list, so clients saw no offsets at all);
 *   - only the group's coordinator answers (others: NOT_COORDINATOR);
 *   - unknown partitions read as "no offset" (-1), as in Kafka.
 * Versions 0-6 are served (v7 adds RequireStable, not supported).
 */
#include "ext.h"


rd_bool_t tb_group_has_offsets(rd_kafka_mock_cluster_t *mcluster,
                               const char *group_id) {
        rd_kafka_mock_topic_t *mtopic;
        rd_kafkap_str_t kgroup = tb_kstr(group_id);
        int i;

        TAILQ_FOREACH(mtopic, &mcluster->topics, link) {
                for (i = 0; i < mtopic->partition_cnt; i++) {
                        if (rd_kafka_mock_committed_offset_find(
                                &mtopic->partitions[i], &kgroup))
                                return rd_true;
                }
        }
        return rd_false;
}


/* ---- OffsetCommit ---- */

typedef struct tb_commit_s {
        rd_kafkap_str_t topic;
        int32_t partition;
        int64_t offset;
        rd_kafkap_str_t metadata;
} tb_commit_t;

static int tb_handle_OffsetCommit(rd_kafka_mock_connection_t *mconn,
                                  rd_kafka_buf_t *rkbuf) {
        const int log_decode_errors       = 0;
        rd_kafka_mock_cluster_t *mcluster = mconn->broker->cluster;
        const int16_t version             = rkbuf->rkbuf_reqhdr.ApiVersion;
        rd_slice_t body                   = rkbuf->rkbuf_reader;
        rd_kafkap_str_t GroupId, MemberId = RD_KAFKAP_STR_INITIALIZER,
                                 GroupInstanceId;
        int32_t GenerationId = -1, TopicCnt;
        tb_commit_t *commits = NULL;
        size_t commit_cnt = 0, commit_size = 0, i;
        rd_kafka_mock_cgrp_classic_t *mcgrp = NULL;
        int r;

        rd_kafka_buf_read_str(rkbuf, &GroupId);
        if (version >= 1) {
                rd_kafka_buf_read_i32(rkbuf, &GenerationId);
                rd_kafka_buf_read_str(rkbuf, &MemberId);
        }
        if (version >= 7)
                rd_kafka_buf_read_str(rkbuf, &GroupInstanceId);
        if (version >= 2 && version <= 4) {
                int64_t RetentionTimeMs;
                rd_kafka_buf_read_i64(rkbuf, &RetentionTimeMs);
        }

        rd_kafka_buf_read_arraycnt(rkbuf, &TopicCnt, RD_KAFKAP_TOPICS_MAX);
        while (TopicCnt-- > 0) {
                rd_kafkap_str_t Topic;
                int32_t PartitionCnt;

                rd_kafka_buf_read_str(rkbuf, &Topic);
                rd_kafka_buf_read_arraycnt(rkbuf, &PartitionCnt,
                                           RD_KAFKAP_PARTITIONS_MAX);
                while (PartitionCnt-- > 0) {
                        tb_commit_t commit = {.topic = Topic};

                        rd_kafka_buf_read_i32(rkbuf, &commit.partition);
                        rd_kafka_buf_read_i64(rkbuf, &commit.offset);
                        if (version >= 6) {
                                int32_t LeaderEpoch;
                                rd_kafka_buf_read_i32(rkbuf, &LeaderEpoch);
                        }
                        if (version == 1) {
                                int64_t Timestamp;
                                rd_kafka_buf_read_i64(rkbuf, &Timestamp);
                        }
                        rd_kafka_buf_read_str(rkbuf, &commit.metadata);
                        rd_kafka_buf_skip_tags(rkbuf);

                        if (commit_cnt == commit_size) {
                                commit_size = commit_size ? commit_size * 2 : 8;
                                commits     = rd_realloc(
                                    commits, commit_size * sizeof(*commits));
                        }
                        commits[commit_cnt++] = commit;
                }
                rd_kafka_buf_skip_tags(rkbuf);
        }
        rkbuf->rkbuf_reader = body;

        if (!RD_KAFKAP_STR_IS_NULL(&GroupId))
                mcgrp = rd_kafka_mock_cgrp_classic_find(mcluster, &GroupId);

        if (mcgrp && mcgrp->member_cnt == 0 && GenerationId < 0 &&
            RD_KAFKAP_STR_LEN(&MemberId) == 0) {
                /* An admin commit into an empty group is allowed by Kafka,
                 * but the mock rejects any commit without a known member
                 * once the group exists. Hide the group while the mock's
                 * handler runs, so it commits as for a group-less client. */
                TAILQ_REMOVE(&mcluster->cgrps_classic, mcgrp, link);
                r = tb_call_original(mconn, rkbuf);
                TAILQ_INSERT_TAIL(&mcluster->cgrps_classic, mcgrp, link);
        } else {
                r = tb_call_original(mconn, rkbuf);
        }

        /* Mirror the commits that took effect into __consumer_offsets. */
        if (r != -1 && tb_conf.offsets_topic &&
            !RD_KAFKAP_STR_IS_NULL(&GroupId)) {
                char *group_id;
                RD_KAFKAP_STR_DUPA(&group_id, &GroupId);
                for (i = 0; i < commit_cnt; i++) {
                        rd_kafka_mock_topic_t *mtopic =
                            rd_kafka_mock_topic_find_by_kstr(mcluster,
                                                             &commits[i].topic);
                        rd_kafka_mock_partition_t *mpart =
                            rd_kafka_mock_partition_find(mtopic,
                                                         commits[i].partition);
                        const rd_kafka_mock_committed_offset_t *coff =
                            mpart ? rd_kafka_mock_committed_offset_find(
                                        mpart, &GroupId)
                                  : NULL;
                        char *metadata = NULL;

                        if (!coff || coff->offset != commits[i].offset)
                                continue;
                        if (!RD_KAFKAP_STR_IS_NULL(&commits[i].metadata))
                                RD_KAFKAP_STR_DUPA(&metadata,
                                                   &commits[i].metadata);
                        tb_offsets_topic_write(mcluster, group_id, mtopic->name,
                                               mpart->id, coff->offset,
                                               metadata);
                }
        }

        rd_free(commits);
        return r;

err_parse:
        rd_free(commits);
        rkbuf->rkbuf_reader = body;
        return tb_call_original(mconn, rkbuf);
}


/* ---- OffsetFetch ---- */

/* Writes one partition of an OffsetFetch response. */
static void tb_write_committed(rd_kafka_buf_t *resp,
                               int16_t version,
                               int32_t partition,
                               const rd_kafka_mock_committed_offset_t *coff,
                               rd_kafka_resp_err_t err) {
        rd_kafka_buf_write_i32(resp, partition);
        rd_kafka_buf_write_i64(resp, coff ? coff->offset : -1);
        if (version >= 5)
                rd_kafka_buf_write_i32(resp, -1); /* CommittedLeaderEpoch */
        if (coff)
                rd_kafka_buf_write_kstr(resp, coff->metadata);
        else
                rd_kafka_buf_write_str(resp, "", -1);
        rd_kafka_buf_write_i16(resp, err);
        rd_kafka_buf_write_tags_empty(resp);
}

/* Every partition the group committed, topic by topic. */
static void tb_write_all_committed(rd_kafka_mock_cluster_t *mcluster,
                                   rd_kafka_buf_t *resp,
                                   int16_t version,
                                   const rd_kafkap_str_t *GroupId) {
        rd_kafka_mock_topic_t *mtopic;
        size_t of_topic_cnt = rd_kafka_buf_write_arraycnt_pos(resp);
        size_t topic_cnt    = 0;
        int i;

        TAILQ_FOREACH(mtopic, &mcluster->topics, link) {
                size_t of_part_cnt = 0, part_cnt = 0;

                for (i = 0; i < mtopic->partition_cnt; i++) {
                        const rd_kafka_mock_committed_offset_t *coff =
                            rd_kafka_mock_committed_offset_find(
                                &mtopic->partitions[i], GroupId);
                        if (!coff)
                                continue;
                        if (part_cnt == 0) {
                                rd_kafka_buf_write_str(resp, mtopic->name, -1);
                                of_part_cnt =
                                    rd_kafka_buf_write_arraycnt_pos(resp);
                        }
                        tb_write_committed(resp, version, i, coff,
                                           RD_KAFKA_RESP_ERR_NO_ERROR);
                        part_cnt++;
                }
                if (part_cnt > 0) {
                        rd_kafka_buf_finalize_arraycnt(resp, of_part_cnt,
                                                       part_cnt);
                        rd_kafka_buf_write_tags_empty(resp);
                        topic_cnt++;
                }
        }
        rd_kafka_buf_finalize_arraycnt(resp, of_topic_cnt, topic_cnt);
}

static int tb_handle_OffsetFetch(rd_kafka_mock_connection_t *mconn,
                                 rd_kafka_buf_t *rkbuf) {
        const int log_decode_errors       = LOG_ERR;
        rd_kafka_mock_cluster_t *mcluster = mconn->broker->cluster;
        const int16_t version             = rkbuf->rkbuf_reqhdr.ApiVersion;
        rd_kafka_buf_t *resp = rd_kafka_mock_buf_new_response(rkbuf);
        rd_kafkap_str_t GroupId;
        int32_t TopicCnt;
        rd_kafka_resp_err_t all_err;
        char *group_id = NULL;

        if (version >= 3)
                rd_kafka_buf_write_i32(resp, 0); /* ThrottleTimeMs */

        rd_kafka_buf_read_str(rkbuf, &GroupId);
        all_err = rd_kafka_mock_next_request_error(mconn, resp);
        if (!all_err && RD_KAFKAP_STR_IS_NULL(&GroupId))
                all_err = RD_KAFKA_RESP_ERR_INVALID_GROUP_ID;
        group_id = all_err ? NULL : RD_KAFKAP_STR_DUP(&GroupId);
        if (!all_err && !tb_is_group_coordinator(mconn, group_id))
                all_err = RD_KAFKA_RESP_ERR_NOT_COORDINATOR;

        rd_kafka_buf_read_arraycnt(rkbuf, &TopicCnt, RD_KAFKAP_TOPICS_MAX);
        if (TopicCnt == -1 && version >= 2) {
                /* Null list: everything the group committed. */
                if (all_err)
                        rd_kafka_buf_write_arraycnt(resp, 0);
                else
                        tb_write_all_committed(mcluster, resp, version,
                                               &GroupId);
        } else {
                rd_kafka_buf_write_arraycnt(resp, RD_MAX(TopicCnt, 0));
        }

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
                        int32_t Partition;
                        rd_kafka_mock_partition_t *mpart;
                        const rd_kafka_mock_committed_offset_t *coff = NULL;
                        rd_kafka_resp_err_t err = all_err;

                        rd_kafka_buf_read_i32(rkbuf, &Partition);
                        mpart = rd_kafka_mock_partition_find(mtopic, Partition);
                        if (!err && mpart)
                                coff = rd_kafka_mock_committed_offset_find(
                                    mpart, &GroupId);
                        tb_write_committed(resp, version, Partition, coff, err);
                }
                rd_kafka_buf_skip_tags(rkbuf);
                rd_kafka_buf_write_tags_empty(resp);
        }

        if (version >= 2)
                rd_kafka_buf_write_i16(resp, all_err);

        rd_free(group_id);
        rd_kafka_mock_connection_send_response(mconn, resp);
        return 0;

err_parse:
        rd_free(group_id);
        rd_kafka_buf_destroy(resp);
        return -1;
}


/* ---- DeleteGroups ---- */

/* Removes the group's committed offsets from every partition, writing
 * tombstones to __consumer_offsets as Kafka does. */
static void tb_delete_group_offsets(rd_kafka_mock_cluster_t *mcluster,
                                    const char *group_id) {
        rd_kafka_mock_topic_t *mtopic;
        rd_kafkap_str_t kgroup = tb_kstr(group_id);
        int i;

        TAILQ_FOREACH(mtopic, &mcluster->topics, link) {
                for (i = 0; i < mtopic->partition_cnt; i++) {
                        rd_kafka_mock_partition_t *mpart =
                            &mtopic->partitions[i];
                        rd_kafka_mock_committed_offset_t *coff =
                            rd_kafka_mock_committed_offset_find(mpart, &kgroup);
                        if (!coff)
                                continue;
                        /* As the mock frees its own entries: the group name
                         * lives in the same allocation as the entry. */
                        TAILQ_REMOVE(&mpart->committed_offsets, coff, link);
                        if (coff->metadata)
                                rd_kafkap_str_destroy(coff->metadata);
                        rd_free(coff);
                        tb_offsets_topic_delete(mcluster, group_id,
                                                mtopic->name, mpart->id);
                }
        }
}

static rd_kafka_resp_err_t tb_delete_group(rd_kafka_mock_connection_t *mconn,
                                           const char *group_id) {
        rd_kafka_mock_cluster_t *mcluster = mconn->broker->cluster;
        rd_kafkap_str_t kgroup            = tb_kstr(group_id);
        rd_kafka_mock_cgrp_classic_t *mcgrp;

        if (!tb_is_group_coordinator(mconn, group_id))
                return RD_KAFKA_RESP_ERR_NOT_COORDINATOR;

        mcgrp = rd_kafka_mock_cgrp_classic_find(mcluster, &kgroup);
        if (mcgrp && (mcgrp->member_cnt > 0 ||
                      mcgrp->state != RD_KAFKA_MOCK_CGRP_STATE_EMPTY))
                return RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP;
        if (!mcgrp && !tb_group_has_offsets(mcluster, group_id))
                return RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND;

        if (mcgrp)
                rd_kafka_mock_cgrp_classic_destroy(mcgrp);
        tb_member_info_forget_group(group_id);
        tb_delete_group_offsets(mcluster, group_id);
        return RD_KAFKA_RESP_ERR_NO_ERROR;
}

static int tb_handle_DeleteGroups(rd_kafka_mock_connection_t *mconn,
                                  rd_kafka_buf_t *rkbuf) {
        const int log_decode_errors = LOG_ERR;
        rd_kafka_buf_t *resp = rd_kafka_mock_buf_new_response(rkbuf);
        int32_t GroupCnt, i;
        rd_kafka_resp_err_t all_err;

        rd_kafka_buf_write_i32(resp, 0); /* ThrottleTimeMs */
        all_err = rd_kafka_mock_next_request_error(mconn, resp);

        rd_kafka_buf_read_arraycnt(rkbuf, &GroupCnt, 100000);
        rd_kafka_buf_write_arraycnt(resp, RD_MAX(GroupCnt, 0));
        for (i = 0; i < GroupCnt; i++) {
                rd_kafkap_str_t GroupId;
                rd_kafka_resp_err_t err = all_err;

                rd_kafka_buf_read_str(rkbuf, &GroupId);
                if (!err && RD_KAFKAP_STR_IS_NULL(&GroupId))
                        err = RD_KAFKA_RESP_ERR_INVALID_GROUP_ID;
                if (!err) {
                        char *group_id;
                        RD_KAFKAP_STR_DUPA(&group_id, &GroupId);
                        err = tb_delete_group(mconn, group_id);
                }
                rd_kafka_buf_write_kstr(resp, &GroupId);
                rd_kafka_buf_write_i16(resp, err);
                rd_kafka_buf_write_tags_empty(resp);
        }

        rd_kafka_mock_connection_send_response(mconn, resp);
        return 0;

err_parse:
        rd_kafka_buf_destroy(resp);
        return -1;
}


void tb_offsets_install(rd_kafka_mock_cluster_t *mcluster) {
        struct rd_kafka_mock_api_handler *h = mcluster->api_handlers;

        h[RD_KAFKAP_OffsetCommit].cb = tb_handle_OffsetCommit;
        h[RD_KAFKAP_OffsetFetch] = (struct rd_kafka_mock_api_handler){
            0, 6, 6, tb_handle_OffsetFetch};
        h[RD_KAFKAP_DeleteGroups] = (struct rd_kafka_mock_api_handler){
            0, 1, 2, tb_handle_DeleteGroups};
}
