/*
 * Consumer groups: ListGroups and DescribeGroups (missing from the mock),
 * plus wrappers around the mock's JoinGroup, SyncGroup and LeaveGroup
 * handlers that
 *   - remember each member's client id, host and assignment, which the mock
 *     does not keep but DescribeGroups must report;
 *   - complete a rebalance as soon as every known member has rejoined
 *     (the mock waits for the session timeout minus one second);
 *   - answer a follower whose SyncGroup arrives after the leader's (the mock
 *     has already moved to Stable and rejects it as an invalid request);
 *   - answer requests the mock would crash on (a JoinGroup without
 *     protocols, null member ids in JoinGroup, SyncGroup, Heartbeat and
 *     LeaveGroup) with Kafka's errors.
 */
#include "ext.h"

#include <arpa/inet.h>


/* ---- what we remember about members ---- */

typedef struct tb_member_info_s {
        struct tb_member_info_s *next;
        char *group_id;
        char *member_id;
        char *client_id;
        char *client_host;
        int32_t assignment_generation; /* -1: no assignment captured */
        rd_kafkap_bytes_t *assignment;
} tb_member_info_t;

static tb_member_info_t *tb_members;

static tb_member_info_t *tb_member_info_find(const char *group_id,
                                             const char *member_id) {
        tb_member_info_t *info;

        for (info = tb_members; info; info = info->next) {
                if (!strcmp(info->group_id, group_id) &&
                    !strcmp(info->member_id, member_id))
                        return info;
        }
        return NULL;
}

static tb_member_info_t *tb_member_info_get(const char *group_id,
                                            const char *member_id) {
        tb_member_info_t *info = tb_member_info_find(group_id, member_id);

        if (info)
                return info;

        info                        = rd_calloc(1, sizeof(*info));
        info->group_id              = rd_strdup(group_id);
        info->member_id             = rd_strdup(member_id);
        info->client_id             = rd_strdup("");
        info->client_host           = rd_strdup("");
        info->assignment_generation = -1;
        info->next                  = tb_members;
        tb_members                  = info;
        return info;
}

static void tb_member_info_destroy(tb_member_info_t *info) {
        rd_free(info->group_id);
        rd_free(info->member_id);
        rd_free(info->client_id);
        rd_free(info->client_host);
        if (info->assignment)
                rd_kafkap_bytes_destroy(info->assignment);
        rd_free(info);
}

static rd_bool_t tb_group_has_member(const rd_kafka_mock_cgrp_classic_t *mcgrp,
                                     const char *member_id) {
        const rd_kafka_mock_cgrp_classic_member_t *member;

        TAILQ_FOREACH(member, &mcgrp->members, link) {
                if (!strcmp(member->id, member_id))
                        return rd_true;
        }
        return rd_false;
}

/* Forgets members that are no longer in the group (left or timed out). */
static void tb_member_info_prune(const rd_kafka_mock_cgrp_classic_t *mcgrp) {
        tb_member_info_t **linkp = &tb_members;

        while (*linkp) {
                tb_member_info_t *info = *linkp;
                if (!strcmp(info->group_id, mcgrp->id) &&
                    !tb_group_has_member(mcgrp, info->member_id)) {
                        *linkp = info->next;
                        tb_member_info_destroy(info);
                } else {
                        linkp = &info->next;
                }
        }
}


void tb_member_info_forget_group(const char *group_id) {
        tb_member_info_t **linkp = &tb_members;

        while (*linkp) {
                tb_member_info_t *info = *linkp;
                if (!strcmp(info->group_id, group_id)) {
                        *linkp = info->next;
                        tb_member_info_destroy(info);
                } else {
                        linkp = &info->next;
                }
        }
}


/* ---- group helpers ---- */

const char *tb_group_state_name(const rd_kafka_mock_cgrp_classic_t *mcgrp) {
        switch (mcgrp->state) {
        case RD_KAFKA_MOCK_CGRP_STATE_EMPTY:
                return "Empty";
        case RD_KAFKA_MOCK_CGRP_STATE_JOINING:
        case RD_KAFKA_MOCK_CGRP_STATE_REBALANCING:
                return "PreparingRebalance";
        case RD_KAFKA_MOCK_CGRP_STATE_SYNCING:
                return "CompletingRebalance";
        case RD_KAFKA_MOCK_CGRP_STATE_UP:
                return "Stable";
        }
        return "Unknown";
}

/**
 * While the group is joining, elect the leader right away once every member
 * has a JoinGroup waiting (or no member is left). The mock only elects when
 * its rebalance timer fires, which is set to the session timeout minus one
 * second. The timer's callback is the mock's own state machine, so firing it
 * early runs exactly the mock's election code.
 */
static void tb_group_maybe_complete_join(rd_kafka_mock_cluster_t *mcluster,
                                         rd_kafka_mock_cgrp_classic_t *mcgrp) {
        const rd_kafka_mock_cgrp_classic_member_t *member;
        rd_bool_t all_joined = rd_true;
        void (*fsm_timeout)(rd_kafka_timers_t *, void *) =
            mcgrp->rebalance_tmr.rtmr_callback;

        if (mcgrp->state != RD_KAFKA_MOCK_CGRP_STATE_JOINING || !fsm_timeout)
                return;

        TAILQ_FOREACH(member, &mcgrp->members, link) {
                if (!member->resp || !member->conn)
                        all_joined = rd_false;
        }

        if (all_joined)
                rd_kafka_timer_start_oneshot(&mcluster->timers,
                                             &mcgrp->rebalance_tmr, rd_true,
                                             1 /* us */, fsm_timeout, mcgrp);
        else if (!rd_kafka_timer_is_started(&mcluster->timers,
                                            &mcgrp->rebalance_tmr))
                /* The mock can enter Joining without a timer (after a sync
                 * timeout); without one the group would never elect. */
                rd_kafka_timer_start_oneshot(
                    &mcluster->timers, &mcgrp->rebalance_tmr, rd_true,
                    (rd_ts_t)RD_MAX(mcgrp->session_timeout_ms, 1000) * 1000,
                    fsm_timeout, mcgrp);
}


/* ---- requests the mock would crash on ---- */

/*
 * The mock looks members up with the request's member id without checking
 * for a null string, which reads out of bounds. Heartbeat, SyncGroup and
 * LeaveGroup (v0-2) all start with GroupId, then (after the generation for
 * the first two) MemberId; such requests are answered here instead.
 */
static rd_bool_t tb_has_null_ids(rd_kafka_buf_t *rkbuf, rd_bool_t has_generation) {
        const int log_decode_errors = 0;
        rd_slice_t body             = rkbuf->rkbuf_reader;
        rd_kafkap_str_t GroupId, MemberId;
        int32_t GenerationId;
        rd_bool_t null_ids = rd_false;

        rd_kafka_buf_read_str(rkbuf, &GroupId);
        if (has_generation)
                rd_kafka_buf_read_i32(rkbuf, &GenerationId);
        rd_kafka_buf_read_str(rkbuf, &MemberId);
        null_ids = RD_KAFKAP_STR_IS_NULL(&GroupId) ||
                   RD_KAFKAP_STR_IS_NULL(&MemberId);
err_parse:
        rkbuf->rkbuf_reader = body;
        return null_ids;
}

/* Answers UNKNOWN_MEMBER_ID: [ThrottleTimeMs (v1+)] ErrorCode [Assignment]. */
static void tb_reply_unknown_member(rd_kafka_mock_connection_t *mconn,
                                    rd_kafka_buf_t *rkbuf,
                                    rd_bool_t with_assignment) {
        rd_kafka_buf_t *resp = rd_kafka_mock_buf_new_response(rkbuf);

        if (rkbuf->rkbuf_reqhdr.ApiVersion >= 1)
                rd_kafka_buf_write_i32(resp, 0);
        rd_kafka_buf_write_i16(resp, RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID);
        if (with_assignment)
                rd_kafka_buf_write_kbytes(resp, NULL);
        rd_kafka_mock_connection_send_response(mconn, resp);
}

static int tb_handle_Heartbeat(rd_kafka_mock_connection_t *mconn,
                               rd_kafka_buf_t *rkbuf) {
        if (tb_has_null_ids(rkbuf, rd_true)) {
                tb_reply_unknown_member(mconn, rkbuf, rd_false);
                return 0;
        }
        return tb_call_original(mconn, rkbuf);
}


/* ---- JoinGroup ---- */

/**
 * Checks a JoinGroup before the mock sees it: the mock trusts the member id,
 * protocol type and protocol list, and crashes at leader election on a
 * member without protocols or with a null protocol name.
 * @returns the error to answer with, or NO_ERROR to pass the request on.
 */
static rd_kafka_resp_err_t tb_check_join(rd_kafka_buf_t *rkbuf,
                                         rd_kafkap_str_t *GroupIdp) {
        const int log_decode_errors = 0;
        const int16_t version       = rkbuf->rkbuf_reqhdr.ApiVersion;
        rd_kafkap_str_t MemberId, GroupInstanceId, ProtocolType;
        int32_t SessionTimeoutMs, RebalanceTimeoutMs, ProtocolCnt, i;

        rd_kafka_buf_read_str(rkbuf, GroupIdp);
        rd_kafka_buf_read_i32(rkbuf, &SessionTimeoutMs);
        if (version >= 1)
                rd_kafka_buf_read_i32(rkbuf, &RebalanceTimeoutMs);
        rd_kafka_buf_read_str(rkbuf, &MemberId);
        if (version >= 5)
                rd_kafka_buf_read_str(rkbuf, &GroupInstanceId);
        rd_kafka_buf_read_str(rkbuf, &ProtocolType);
        rd_kafka_buf_read_arraycnt(rkbuf, &ProtocolCnt, 1000);

        if (RD_KAFKAP_STR_LEN(GroupIdp) == 0)
                return RD_KAFKA_RESP_ERR_INVALID_GROUP_ID;
        if (RD_KAFKAP_STR_IS_NULL(&MemberId))
                return RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID;
        if (RD_KAFKAP_STR_IS_NULL(&ProtocolType) || ProtocolCnt < 1)
                return RD_KAFKA_RESP_ERR_INCONSISTENT_GROUP_PROTOCOL;
        for (i = 0; i < ProtocolCnt; i++) {
                rd_kafkap_str_t Name;
                rd_kafkap_bytes_t Metadata;
                rd_kafka_buf_read_str(rkbuf, &Name);
                rd_kafka_buf_read_kbytes(rkbuf, &Metadata);
                rd_kafka_buf_skip_tags(rkbuf);
                if (RD_KAFKAP_STR_IS_NULL(&Name))
                        return RD_KAFKA_RESP_ERR_INCONSISTENT_GROUP_PROTOCOL;
        }
        return RD_KAFKA_RESP_ERR_NO_ERROR;

err_parse:
        return RD_KAFKA_RESP_ERR_INVALID_REQUEST;
}

/* A JoinGroup error response, laid out as the mock's own. */
static void tb_join_error(rd_kafka_mock_connection_t *mconn,
                          rd_kafka_buf_t *rkbuf,
                          rd_kafka_resp_err_t err) {
        rd_kafka_buf_t *resp = rd_kafka_mock_buf_new_response(rkbuf);

        if (rkbuf->rkbuf_reqhdr.ApiVersion >= 2)
                rd_kafka_buf_write_i32(resp, 0); /* ThrottleTimeMs */
        rd_kafka_buf_write_i16(resp, err);
        rd_kafka_buf_write_i32(resp, -1);     /* GenerationId */
        rd_kafka_buf_write_str(resp, "", -1); /* ProtocolName */
        rd_kafka_buf_write_str(resp, "", -1); /* Leader */
        rd_kafka_buf_write_str(resp, "", -1); /* MemberId */
        rd_kafka_buf_write_arraycnt(resp, 0); /* Members */
        rd_kafka_mock_connection_send_response(mconn, resp);
}

static int tb_handle_JoinGroup(rd_kafka_mock_connection_t *mconn,
                               rd_kafka_buf_t *rkbuf) {
        rd_kafka_mock_cluster_t *mcluster = mconn->broker->cluster;
        rd_slice_t body                   = rkbuf->rkbuf_reader;
        rd_kafkap_str_t GroupId           = RD_KAFKAP_STR_INITIALIZER;
        rd_kafka_mock_cgrp_classic_t *mcgrp;
        rd_kafka_mock_cgrp_classic_member_t *member;
        char client_id[256];
        char client_host[INET_ADDRSTRLEN + 1];
        rd_kafka_resp_err_t err;
        int r;

        err                 = tb_check_join(rkbuf, &GroupId);
        rkbuf->rkbuf_reader = body;
        if (err) {
                tb_join_error(mconn, rkbuf, err);
                return 0;
        }

        tb_request_client_id(rkbuf, client_id, sizeof(client_id));
        client_host[0] = '/'; /* Kafka reports hosts as "/1.2.3.4" */
        if (!inet_ntop(AF_INET, &mconn->peer.sin_addr, client_host + 1,
                       sizeof(client_host) - 1))
                client_host[1] = '\0';

        r = tb_call_original(mconn, rkbuf);
        if (r == -1)
                return r;

        mcgrp = rd_kafka_mock_cgrp_classic_find(mcluster, &GroupId);
        if (!mcgrp)
                return r;

        /* The member whose JoinGroup response is now pending is the one
         * this request joined (its id may have just been generated). */
        TAILQ_FOREACH(member, &mcgrp->members, link) {
                if (member->conn == mconn && member->resp &&
                    member->resp->rkbuf_reqhdr.CorrId ==
                        rkbuf->rkbuf_reqhdr.CorrId) {
                        tb_member_info_t *info =
                            tb_member_info_get(mcgrp->id, member->id);
                        rd_free(info->client_id);
                        rd_free(info->client_host);
                        info->client_id   = rd_strdup(client_id);
                        info->client_host = rd_strdup(client_host);
                }
        }

        tb_member_info_prune(mcgrp);
        tb_group_maybe_complete_join(mcluster, mcgrp);
        return r;
}


/* ---- SyncGroup ---- */

/* Answers a follower's SyncGroup for the current generation of a group that
 * is already Stable, with the assignment the leader sent. */
static void tb_sync_late_follower(rd_kafka_mock_connection_t *mconn,
                                  rd_kafka_buf_t *rkbuf,
                                  rd_kafka_mock_cgrp_classic_t *mcgrp,
                                  rd_kafka_mock_cgrp_classic_member_t *member) {
        rd_kafka_mock_cluster_t *mcluster = mconn->broker->cluster;
        rd_kafka_buf_t *resp = rd_kafka_mock_buf_new_response(rkbuf);
        const rd_kafkap_bytes_t empty = {.len = 0, .data = ""};
        const tb_member_info_t *info;
        rd_kafkap_str_t kgroup = tb_kstr(mcgrp->id);
        rd_kafka_resp_err_t err;

        if (rkbuf->rkbuf_reqhdr.ApiVersion >= 1)
                rd_kafka_buf_write_i32(resp, 0); /* ThrottleTimeMs */

        err = rd_kafka_mock_next_request_error(mconn, resp);
        if (!err && rd_kafka_mock_cluster_get_coord(
                        mcluster, RD_KAFKA_COORD_GROUP, &kgroup) != mconn->broker)
                err = RD_KAFKA_RESP_ERR_NOT_COORDINATOR;

        info = tb_member_info_find(mcgrp->id, member->id);
        rd_kafka_buf_write_i16(resp, err);
        if (err)
                rd_kafka_buf_write_kbytes(resp, NULL);
        else if (info && info->assignment &&
                 info->assignment_generation == mcgrp->generation_id)
                rd_kafka_buf_write_kbytes(resp, info->assignment);
        else
                rd_kafka_buf_write_kbytes(resp, &empty);

        if (!err)
                rd_kafka_mock_cgrp_classic_member_active(mcgrp, member);
        rd_kafka_mock_connection_send_response(mconn, resp);
}

static int tb_handle_SyncGroup(rd_kafka_mock_connection_t *mconn,
                               rd_kafka_buf_t *rkbuf) {
        const int log_decode_errors       = 0;
        rd_kafka_mock_cluster_t *mcluster = mconn->broker->cluster;
        rd_slice_t body                   = rkbuf->rkbuf_reader;
        rd_kafkap_str_t GroupId, MemberId, GroupInstanceId;
        int32_t GenerationId, AssignmentCnt, i;
        rd_kafka_mock_cgrp_classic_t *mcgrp;
        rd_kafka_mock_cgrp_classic_member_t *member = NULL;
        rd_bool_t from_leader;

        rd_kafka_buf_read_str(rkbuf, &GroupId);
        rd_kafka_buf_read_i32(rkbuf, &GenerationId);
        rd_kafka_buf_read_str(rkbuf, &MemberId);
        if (rkbuf->rkbuf_reqhdr.ApiVersion >= 3)
                rd_kafka_buf_read_str(rkbuf, &GroupInstanceId);
        rd_kafka_buf_read_arraycnt(rkbuf, &AssignmentCnt, 100000);

        if (RD_KAFKAP_STR_IS_NULL(&GroupId) ||
            RD_KAFKAP_STR_IS_NULL(&MemberId)) {
                rkbuf->rkbuf_reader = body;
                tb_reply_unknown_member(mconn, rkbuf, rd_true);
                return 0;
        }

        mcgrp = rd_kafka_mock_cgrp_classic_find(mcluster, &GroupId);
        if (!mcgrp)
                goto call_original;
        member = rd_kafka_mock_cgrp_classic_member_find(mcgrp, &MemberId);

        from_leader = member && member == mcgrp->leader &&
                      mcgrp->state == RD_KAFKA_MOCK_CGRP_STATE_SYNCING &&
                      GenerationId == mcgrp->generation_id;

        /* The mock drops assignments once they are delivered; keep a copy
         * for DescribeGroups and for followers that sync late. */
        for (i = 0; i < AssignmentCnt; i++) {
                rd_kafkap_str_t AssigneeId;
                rd_kafkap_bytes_t Assignment;

                rd_kafka_buf_read_str(rkbuf, &AssigneeId);
                rd_kafka_buf_read_kbytes(rkbuf, &Assignment);
                rd_kafka_buf_skip_tags(rkbuf);

                if (from_leader && !RD_KAFKAP_STR_IS_NULL(&AssigneeId) &&
                    rd_kafka_mock_cgrp_classic_member_find(mcgrp,
                                                           &AssigneeId)) {
                        char *assignee_id;
                        tb_member_info_t *info;

                        RD_KAFKAP_STR_DUPA(&assignee_id, &AssigneeId);
                        info = tb_member_info_get(mcgrp->id, assignee_id);
                        if (info->assignment)
                                rd_kafkap_bytes_destroy(info->assignment);
                        info->assignment = rd_kafkap_bytes_copy(&Assignment);
                        info->assignment_generation = GenerationId;
                }
        }

        if (member && member != mcgrp->leader && AssignmentCnt <= 0 &&
            mcgrp->state == RD_KAFKA_MOCK_CGRP_STATE_UP &&
            GenerationId == mcgrp->generation_id) {
                tb_sync_late_follower(mconn, rkbuf, mcgrp, member);
                return 0;
        }

call_original:
        rkbuf->rkbuf_reader = body;
        return tb_call_original(mconn, rkbuf);

err_parse:
        rkbuf->rkbuf_reader = body;
        return tb_call_original(mconn, rkbuf);
}


/* ---- LeaveGroup ---- */

static int tb_handle_LeaveGroup(rd_kafka_mock_connection_t *mconn,
                                rd_kafka_buf_t *rkbuf) {
        const int log_decode_errors       = 0;
        rd_kafka_mock_cluster_t *mcluster = mconn->broker->cluster;
        rd_slice_t body                   = rkbuf->rkbuf_reader;
        rd_kafkap_str_t GroupId;
        rd_kafka_mock_cgrp_classic_t *mcgrp;
        int r;

        if (tb_has_null_ids(rkbuf, rd_false)) {
                tb_reply_unknown_member(mconn, rkbuf, rd_false);
                return 0;
        }
        rd_kafka_buf_read_str(rkbuf, &GroupId);
        rkbuf->rkbuf_reader = body;

        r = tb_call_original(mconn, rkbuf);
        if (r == -1)
                return r;

        mcgrp = rd_kafka_mock_cgrp_classic_find(mcluster, &GroupId);
        if (mcgrp) {
                tb_member_info_prune(mcgrp);
                /* Lets the last member's leave empty the group at once, and
                 * the remaining members' rejoin finish the rebalance. */
                tb_group_maybe_complete_join(mcluster, mcgrp);
        }
        return r;

err_parse:
        rkbuf->rkbuf_reader = body;
        return tb_call_original(mconn, rkbuf);
}


/* ---- ListGroups ---- */

typedef struct tb_group_entry_s {
        const char *group_id;
        const char *protocol_type;
} tb_group_entry_t;

static rd_bool_t tb_group_entry_has(const tb_group_entry_t *entries,
                                    size_t cnt,
                                    const char *group_id) {
        size_t i;
        for (i = 0; i < cnt; i++) {
                if (!strcmp(entries[i].group_id, group_id))
                        return rd_true;
        }
        return rd_false;
}

static int tb_handle_ListGroups(rd_kafka_mock_connection_t *mconn,
                                rd_kafka_buf_t *rkbuf) {
        rd_kafka_mock_cluster_t *mcluster = mconn->broker->cluster;
        rd_kafka_buf_t *resp = rd_kafka_mock_buf_new_response(rkbuf);
        const rd_kafka_mock_cgrp_classic_t *mcgrp;
        rd_kafka_mock_topic_t *mtopic;
        tb_group_entry_t *entries = NULL;
        size_t cnt = 0, size = 0, i;
        rd_kafka_resp_err_t err;
        int p;

        if (rkbuf->rkbuf_reqhdr.ApiVersion >= 1)
                rd_kafka_buf_write_i32(resp, 0); /* ThrottleTimeMs */

        err = rd_kafka_mock_next_request_error(mconn, resp);
        rd_kafka_buf_write_i16(resp, err);

        /* Each broker lists the groups it coordinates, as Kafka does:
         * clients ask every broker and concatenate the answers. Groups that
         * only have committed offsets are listed too (Kafka lists them). */
        if (!err) {
                TAILQ_FOREACH(mcgrp, &mcluster->cgrps_classic, link) {
                        if (!tb_is_group_coordinator(mconn, mcgrp->id))
                                continue;
                        if (cnt == size) {
                                size    = size ? size * 2 : 16;
                                entries = rd_realloc(entries,
                                                     size * sizeof(*entries));
                        }
                        entries[cnt].group_id      = mcgrp->id;
                        entries[cnt].protocol_type = mcgrp->protocol_type;
                        cnt++;
                }
                TAILQ_FOREACH(mtopic, &mcluster->topics, link) {
                        for (p = 0; p < mtopic->partition_cnt; p++) {
                                const rd_kafka_mock_committed_offset_t *coff;
                                TAILQ_FOREACH(
                                    coff,
                                    &mtopic->partitions[p].committed_offsets,
                                    link) {
                                        if (tb_group_entry_has(entries, cnt,
                                                               coff->group) ||
                                            !tb_is_group_coordinator(mconn,
                                                               coff->group))
                                                continue;
                                        if (cnt == size) {
                                                size = size ? size * 2 : 16;
                                                entries = rd_realloc(
                                                    entries,
                                                    size * sizeof(*entries));
                                        }
                                        entries[cnt].group_id = coff->group;
                                        entries[cnt].protocol_type = "";
                                        cnt++;
                                }
                        }
                }
        }

        rd_kafka_buf_write_arraycnt(resp, cnt);
        for (i = 0; i < cnt; i++) {
                rd_kafka_buf_write_str(resp, entries[i].group_id, -1);
                rd_kafka_buf_write_str(resp, entries[i].protocol_type, -1);
                rd_kafka_buf_write_tags_empty(resp);
        }

        rd_free(entries);
        rd_kafka_mock_connection_send_response(mconn, resp);
        return 0;
}


/* ---- DescribeGroups ---- */

static const rd_kafkap_bytes_t *
tb_member_metadata(const rd_kafka_mock_cgrp_classic_t *mcgrp,
                   const rd_kafka_mock_cgrp_classic_member_t *member) {
        int i;

        for (i = 0; i < member->proto_cnt; i++) {
                if (mcgrp->protocol_name && member->protos[i].name &&
                    !RD_KAFKAP_STR_IS_NULL(member->protos[i].name) &&
                    !rd_kafkap_str_cmp_str(member->protos[i].name,
                                           mcgrp->protocol_name))
                        return member->protos[i].metadata;
        }
        return NULL;
}

static void tb_write_group(rd_kafka_mock_connection_t *mconn,
                           rd_kafka_buf_t *resp,
                           int16_t version,
                           const char *group_id,
                           rd_kafka_resp_err_t err) {
        rd_kafka_mock_cluster_t *mcluster = mconn->broker->cluster;
        const rd_kafkap_bytes_t empty     = {.len = 0, .data = ""};
        rd_kafkap_str_t kgroup            = tb_kstr(group_id);
        rd_kafka_mock_cgrp_classic_t *mcgrp = NULL;
        const rd_kafka_mock_cgrp_classic_member_t *member;

        if (!err && !tb_is_group_coordinator(mconn, group_id))
                err = RD_KAFKA_RESP_ERR_NOT_COORDINATOR;
        if (!err)
                mcgrp = rd_kafka_mock_cgrp_classic_find(mcluster, &kgroup);

        rd_kafka_buf_write_i16(resp, err);
        rd_kafka_buf_write_str(resp, group_id, -1);

        if (mcgrp) {
                /* Like Kafka, only a Stable group reports its protocol and
                 * its members' metadata and assignments. */
                rd_bool_t stable =
                    mcgrp->state == RD_KAFKA_MOCK_CGRP_STATE_UP;

                tb_member_info_prune(mcgrp);
                rd_kafka_buf_write_str(resp, tb_group_state_name(mcgrp), -1);
                rd_kafka_buf_write_str(resp, mcgrp->protocol_type, -1);
                rd_kafka_buf_write_str(
                    resp, stable && mcgrp->protocol_name ? mcgrp->protocol_name
                                                         : "",
                    -1);
                rd_kafka_buf_write_arraycnt(resp, mcgrp->member_cnt);
                TAILQ_FOREACH(member, &mcgrp->members, link) {
                        const tb_member_info_t *info =
                            tb_member_info_find(mcgrp->id, member->id);
                        const rd_kafkap_bytes_t *metadata =
                            stable ? tb_member_metadata(mcgrp, member) : NULL;
                        const rd_kafkap_bytes_t *assignment =
                            stable && info && info->assignment &&
                                    info->assignment_generation ==
                                        mcgrp->generation_id
                                ? info->assignment
                                : NULL;

                        rd_kafka_buf_write_str(resp, member->id, -1);
                        if (version >= 4)
                                rd_kafka_buf_write_str(
                                    resp, member->group_instance_id, -1);
                        rd_kafka_buf_write_str(
                            resp, info ? info->client_id : "", -1);
                        rd_kafka_buf_write_str(
                            resp, info ? info->client_host : "", -1);
                        rd_kafka_buf_write_kbytes(resp,
                                                  metadata ? metadata : &empty);
                        rd_kafka_buf_write_kbytes(
                            resp, assignment ? assignment : &empty);
                        rd_kafka_buf_write_tags_empty(resp);
                }
        } else {
                /* Kafka: a group known only by its committed offsets is
                 * Empty, an unknown one is Dead. */
                const char *state =
                    err ? "" : tb_group_has_offsets(mcluster, group_id)
                                   ? "Empty"
                                   : "Dead";
                rd_kafka_buf_write_str(resp, state, -1);
                rd_kafka_buf_write_str(resp, "", -1); /* ProtocolType */
                rd_kafka_buf_write_str(resp, "", -1); /* ProtocolData */
                rd_kafka_buf_write_arraycnt(resp, 0);
        }

        if (version >= 3)
                rd_kafka_buf_write_i32(resp, INT32_MIN); /* AuthorizedOps */
        rd_kafka_buf_write_tags_empty(resp);
}

static int tb_handle_DescribeGroups(rd_kafka_mock_connection_t *mconn,
                                    rd_kafka_buf_t *rkbuf) {
        const int log_decode_errors = LOG_ERR;
        const int16_t version       = rkbuf->rkbuf_reqhdr.ApiVersion;
        rd_kafka_buf_t *resp = rd_kafka_mock_buf_new_response(rkbuf);
        int32_t GroupCnt, i;
        char **group_ids = NULL;
        rd_kafka_resp_err_t all_err;

        if (version >= 1)
                rd_kafka_buf_write_i32(resp, 0); /* ThrottleTimeMs */

        rd_kafka_buf_read_arraycnt(rkbuf, &GroupCnt, 100000);
        if (GroupCnt > 0)
                group_ids = rd_calloc((size_t)GroupCnt, sizeof(*group_ids));
        for (i = 0; i < GroupCnt; i++) {
                rd_kafkap_str_t GroupId;
                rd_kafka_buf_read_str(rkbuf, &GroupId);
                group_ids[i] = RD_KAFKAP_STR_IS_NULL(&GroupId)
                                   ? rd_strdup("")
                                   : RD_KAFKAP_STR_DUP(&GroupId);
        }
        if (version >= 3) {
                rd_bool_t IncludeAuthorizedOperations;
                rd_kafka_buf_read_bool(rkbuf, &IncludeAuthorizedOperations);
        }
        rd_kafka_buf_skip_tags(rkbuf);

        all_err = rd_kafka_mock_next_request_error(mconn, resp);

        rd_kafka_buf_write_arraycnt(resp, RD_MAX(GroupCnt, 0));
        for (i = 0; i < GroupCnt; i++)
                tb_write_group(mconn, resp, version, group_ids[i], all_err);

        for (i = 0; i < GroupCnt; i++)
                rd_free(group_ids[i]);
        rd_free(group_ids);
        rd_kafka_mock_connection_send_response(mconn, resp);
        return 0;

err_parse:
        if (group_ids) {
                for (i = 0; i < GroupCnt; i++)
                        if (group_ids[i])
                                rd_free(group_ids[i]);
                rd_free(group_ids);
        }
        rd_kafka_buf_destroy(resp);
        return -1;
}


void tb_groups_install(rd_kafka_mock_cluster_t *mcluster) {
        struct rd_kafka_mock_api_handler *h = mcluster->api_handlers;

        /* The mock advertises JoinGroup v6 and SyncGroup v4, their first
         * flexible versions, but reads their arrays' counts in the older
         * layout: cap them below. */
        h[RD_KAFKAP_JoinGroup] = (struct rd_kafka_mock_api_handler){
            0, 5, -1, tb_handle_JoinGroup};
        h[RD_KAFKAP_SyncGroup] = (struct rd_kafka_mock_api_handler){
            0, 3, -1, tb_handle_SyncGroup};
        h[RD_KAFKAP_Heartbeat].cb = tb_handle_Heartbeat;

        /* The mock advertises LeaveGroup v0-4 but parses only the v0-2
         * layout (one MemberId instead of a Members array). */
        h[RD_KAFKAP_LeaveGroup] = (struct rd_kafka_mock_api_handler){
            0, 2, -1, tb_handle_LeaveGroup};

        h[RD_KAFKAP_ListGroups] = (struct rd_kafka_mock_api_handler){
            0, 2, 3, tb_handle_ListGroups};
        h[RD_KAFKAP_DescribeGroups] = (struct rd_kafka_mock_api_handler){
            0, 4, 5, tb_handle_DescribeGroups};
}
