/*
 * Installation of the mock-cluster extension and helpers shared by the
 * handler files.
 *
 * How it hooks in: rd_kafka_mock_cluster_new() copies librdkafka's const
 * default handler table into mcluster->api_handlers, a writable per-cluster
 * array of {MinVersion, MaxVersion, FlexVersion, callback}. Requests are
 * dispatched through that array and ApiVersions answers from it, so
 * replacing an entry (on the mock thread) adds or replaces a protocol API.
 */
#include "ext.h"

#include <sys/socket.h>

tb_config_t tb_conf = {
    .fetch_wait_max_ms     = 100,
    .partition_max_bytes   = 64 * 1024 * 1024,
    .partition_max_batches = 1000000,
    .default_partitions    = 1,
    .offsets_topic         = rd_true,
};

/* librdkafka's handlers, saved before any is replaced. */
static struct rd_kafka_mock_api_handler tb_original[RD_KAFKAP__NUM];


/* ---- running code on the mock thread ---- */

typedef struct tb_exec_s {
        tb_mock_fn_t *fn;
        void *arg;
        rd_kafka_mock_cluster_t *mcluster;
} tb_exec_t;

/* Serves our op on the mock thread: the op queue calls an op's own
 * rko_serve callback in place of the queue's default one. */
static rd_kafka_op_res_t tb_exec_serve(rd_kafka_t *rk,
                                       rd_kafka_q_t *rkq,
                                       rd_kafka_op_t *rko,
                                       rd_kafka_q_cb_type_t cb_type,
                                       void *opaque) {
        tb_exec_t *exec = opaque;
        (void)rk;
        (void)rkq;
        (void)cb_type;

        exec->fn(exec->mcluster, exec->arg);
        rd_kafka_op_reply(rko, RD_KAFKA_RESP_ERR_NO_ERROR);
        return RD_KAFKA_OP_RES_HANDLED;
}

void tb_mock_exec(rd_kafka_mock_cluster_t *mcluster,
                  tb_mock_fn_t *fn,
                  void *arg) {
        tb_exec_t exec     = {fn, arg, mcluster};
        rd_kafka_op_t *rko = rd_kafka_op_new(RD_KAFKA_OP_MOCK);
        rd_kafka_op_t *reply;

        rko->rko_serve        = tb_exec_serve;
        rko->rko_serve_opaque = &exec;
        reply = rd_kafka_op_req(mcluster->ops, rko, RD_POLL_INFINITE);
        if (reply)
                rd_kafka_op_destroy(reply);
}


/* ---- handler table ---- */

int tb_call_original(rd_kafka_mock_connection_t *mconn,
                     rd_kafka_buf_t *rkbuf) {
        int16_t key = rkbuf->rkbuf_reqhdr.ApiKey;

        if (key < 0 || key >= RD_KAFKAP__NUM || !tb_original[key].cb)
                return -1;
        return tb_original[key].cb(mconn, rkbuf);
}

/*
 * The mock thread sleeps in poll() for up to a second and is woken for
 * control ops by a byte on a pipe, but that wake-up can be lost: a byte
 * written between the thread serving its op queue and draining the pipe is
 * drained without the new op being served. Control commands issue ops back
 * to back, so they would often stall for a second. A short periodic timer
 * bounds the mock thread's sleep instead.
 */
#define TB_TICK_US (10 * 1000)
static rd_kafka_timer_t tb_tick_timer;

static void tb_tick(rd_kafka_timers_t *rkts, void *arg) {
        (void)rkts;
        (void)arg;
}

void tb_ext_install(rd_kafka_mock_cluster_t *mcluster) {
        memcpy(tb_original, mcluster->api_handlers, sizeof(tb_original));
        rd_kafka_timer_start(&mcluster->timers, &tb_tick_timer, TB_TICK_US,
                             tb_tick, NULL);
        if (tb_conf.stock_mock)
                return;

        mtx_lock(&mcluster->lock);
        mcluster->defaults.partition_cnt = tb_conf.default_partitions;
        mtx_unlock(&mcluster->lock);

        tb_groups_install(mcluster);
        tb_offsets_install(mcluster);
        tb_admin_install(mcluster);
        tb_txn_install(mcluster);
        tb_log_install(mcluster);

        /* The mock reports ControllerId 0 but numbers brokers from 1:
         * clients that send admin requests to the controller fail. */
        tb_refresh_controller(mcluster);

        tb_offsets_topic_init(mcluster);
        tb_apply_retention(mcluster);
}


/* ---- helpers ---- */

int tb_peek_response_i16(rd_kafka_mock_connection_t *mconn,
                         const rd_kafka_buf_t *request,
                         size_t field_offset,
                         int16_t *valuep) {
        rd_kafka_buf_t *buf, *resp = NULL;
        rd_slice_t slice;
        size_t header_size;
        int16_t value;

        /* The handler queued its response last on this connection. */
        TAILQ_FOREACH(buf, &mconn->outbufs.rkbq_bufs, rkbuf_link) {
                if (buf->rkbuf_reqhdr.CorrId == request->rkbuf_reqhdr.CorrId &&
                    buf->rkbuf_reqhdr.ApiKey == request->rkbuf_reqhdr.ApiKey)
                        resp = buf;
        }
        if (!resp)
                return -1;

        /* Size, CorrelationId and, for flexible versions, header tags. */
        header_size = 8;
        if ((resp->rkbuf_flags & RD_KAFKA_OP_F_FLEXVER) &&
            resp->rkbuf_reqhdr.ApiKey != RD_KAFKAP_ApiVersion)
                header_size += 1;

        rd_slice_init_full(&slice, &resp->rkbuf_buf);
        if (rd_slice_seek(&slice, header_size + field_offset) == -1 ||
            rd_slice_read(&slice, &value, sizeof(value)) != sizeof(value))
                return -1;

        *valuep = (int16_t)be16toh((uint16_t)value);
        return 0;
}

void tb_request_client_id(rd_kafka_buf_t *rkbuf, char *dst, size_t dstsize) {
        /* The reader starts right at the header's ClientId, which the mock
         * skipped before dispatching; read it from a copy of the reader. */
        rd_slice_t reader = rkbuf->rkbuf_reader;
        int16_t len;
        size_t n;

        dst[0] = '\0';
        if (dstsize == 0 || rd_slice_seek(&reader, 0) == -1 ||
            rd_slice_read(&reader, &len, sizeof(len)) != sizeof(len))
                return;

        len = (int16_t)be16toh((uint16_t)len);
        if (len <= 0)
                return;

        n = RD_MIN((size_t)len, dstsize - 1);
        if (rd_slice_read(&reader, dst, n) != n)
                n = 0;
        dst[n] = '\0';
}

void tb_apply_retention(rd_kafka_mock_cluster_t *mcluster) {
        rd_kafka_mock_topic_t *mtopic;
        int i;

        if (tb_conf.stock_mock)
                return;
        TAILQ_FOREACH(mtopic, &mcluster->topics, link) {
                for (i = 0; i < mtopic->partition_cnt; i++) {
                        mtopic->partitions[i].max_size =
                            tb_conf.partition_max_bytes;
                        mtopic->partitions[i].max_cnt =
                            tb_conf.partition_max_batches;
                }
        }
}

void tb_refresh_controller(rd_kafka_mock_cluster_t *mcluster) {
        rd_kafka_mock_broker_t *mrkb;
        int32_t controller = -1;

        TAILQ_FOREACH(mrkb, &mcluster->brokers, link) {
                if (mrkb->up && (controller == -1 || mrkb->id < controller))
                        controller = mrkb->id;
        }

        /* With every broker down keep the old one: there is nothing to
         * point at, and clients cannot connect anyway. */
        if (controller != -1) {
                mtx_lock(&mcluster->lock);
                mcluster->controller_id = controller;
                mtx_unlock(&mcluster->lock);
        }
}

rd_kafkap_str_t tb_kstr(const char *s) {
        rd_kafkap_str_t kstr = RD_KAFKAP_STR_INITIALIZER;

        if (s) {
                kstr.str = s;
                kstr.len = (int)strlen(s);
        }
        return kstr;
}

rd_bool_t tb_topic_name_valid(const char *name) {
        size_t len = strlen(name), i;

        if (len == 0 || len > 249 || !strcmp(name, ".") || !strcmp(name, ".."))
                return rd_false;

        for (i = 0; i < len; i++) {
                char c = name[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                      c == '-'))
                        return rd_false;
        }
        return rd_true;
}

rd_bool_t tb_is_group_coordinator(rd_kafka_mock_connection_t *mconn,
                                  const char *group_id) {
        rd_kafkap_str_t kgroup = tb_kstr(group_id);
        return rd_kafka_mock_cluster_get_coord(mconn->broker->cluster,
                                               RD_KAFKA_COORD_GROUP,
                                               &kgroup) == mconn->broker;
}

void tb_widen_listen_backlog(rd_kafka_mock_cluster_t *mcluster) {
        rd_kafka_mock_broker_t *mrkb;

        /* listen() on a listening socket only updates its backlog. */
        TAILQ_FOREACH(mrkb, &mcluster->brokers, link) {
                if (mrkb->up && mrkb->listen_s != -1)
                        listen(mrkb->listen_s, 256);
        }
}
