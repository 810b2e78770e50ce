/*
 * Control port: connection handling and command execution.
 *
 * The server runs on the program's main thread with poll(). Commands act on
 * the mock through its thread-safe public API, or through tb_mock_exec()
 * when they must read or change the mock's internals, so that all of the
 * mock's state is touched only on its own thread.
 */
#include "control.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define TB_MAX_LINE        4096
#define TB_MAX_CLIENTS     64
#define TB_MAX_TOKENS      8
#define TB_MAX_OUTPUT      (64 * 1024 * 1024)
#define TB_MAX_ERROR_COUNT 10000
#define TB_MAX_RTT_MS      600000


/* ---- growable string ---- */

typedef struct tb_str_s {
        char *data;
        size_t len, size;
} tb_str_t;

static void tb_str_append(tb_str_t *s, const char *src, size_t n) {
        if (s->len + n + 1 > s->size) {
                s->size = RD_MAX(s->size * 2, s->len + n + 256);
                s->data = rd_realloc(s->data, s->size);
        }
        memcpy(s->data + s->len, src, n);
        s->len += n;
        s->data[s->len] = '\0';
}

static void tb_str_printf(tb_str_t *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void tb_str_printf(tb_str_t *s, const char *fmt, ...) {
        char small[256];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(small, sizeof(small), fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t)n < sizeof(small)) {
                tb_str_append(s, small, (size_t)n);
                return;
        }

        {
                char *big = rd_malloc((size_t)n + 1);
                va_start(ap, fmt);
                vsnprintf(big, (size_t)n + 1, fmt, ap);
                va_end(ap);
                tb_str_append(s, big, (size_t)n);
                rd_free(big);
        }
}

static void tb_str_json(tb_str_t *s, const char *str) {
        const unsigned char *p;

        tb_str_append(s, "\"", 1);
        for (p = (const unsigned char *)str; *p; p++) {
                if (*p == '"' || *p == '\\') {
                        char esc[2] = {'\\', (char)*p};
                        tb_str_append(s, esc, 2);
                } else if (*p < 0x20 || *p == 0x7f) {
                        tb_str_printf(s, "\\u%04x", *p);
                } else {
                        tb_str_append(s, (const char *)p, 1);
                }
        }
        tb_str_append(s, "\"", 1);
}


/* ---- argument parsing ---- */

/* Parses a whole decimal integer within [min, max]. */
static rd_bool_t tb_parse_int(const char *str, long min, long max, long *out) {
        char *end;
        long v;

        if (!*str)
                return rd_false;
        errno = 0;
        v     = strtol(str, &end, 10);
        if (errno || *end || v < min || v > max)
                return rd_false;
        *out = v;
        return rd_true;
}

/* A broker id 1..broker_cnt, or "all" (-1) where allowed. */
static rd_bool_t tb_parse_broker(const char *str,
                                 int broker_cnt,
                                 rd_bool_t allow_all,
                                 int32_t *out) {
        long v;

        if (allow_all && !strcasecmp(str, "all")) {
                *out = -1;
                return rd_true;
        }
        if (!tb_parse_int(str, 1, broker_cnt, &v))
                return rd_false;
        *out = (int32_t)v;
        return rd_true;
}


/* ---- commands that run on the mock thread ---- */

typedef struct tb_leader_cmd_s {
        const char *topic;
        int32_t partition;
        int32_t broker_id; /* -1: no leader */
        const char *error; /* set on failure */
} tb_leader_cmd_t;

static void tb_exec_set_leader(rd_kafka_mock_cluster_t *mcluster, void *arg) {
        tb_leader_cmd_t *cmd = arg;
        rd_kafka_mock_topic_t *mtopic =
            rd_kafka_mock_topic_find(mcluster, cmd->topic);
        rd_kafka_mock_partition_t *mpart;
        rd_kafka_mock_broker_t *mrkb, *leader = NULL;

        /* Looked up here rather than with the public setter, which
         * creates missing topics. */
        if (!mtopic) {
                cmd->error = "unknown topic";
                return;
        }
        if (!(mpart = rd_kafka_mock_partition_find(mtopic, cmd->partition))) {
                cmd->error = "unknown partition";
                return;
        }
        TAILQ_FOREACH(mrkb, &mcluster->brokers, link) {
                if (mrkb->id == cmd->broker_id)
                        leader = mrkb;
        }
        if (cmd->broker_id != -1 && !leader) {
                cmd->error = "unknown broker";
                return;
        }
        /* What the mock's own leader change does: a new leader epoch. */
        mpart->leader = leader;
        mpart->leader_epoch++;
}

static void tb_exec_refresh_controller(rd_kafka_mock_cluster_t *mcluster,
                                       void *arg) {
        (void)arg;
        tb_refresh_controller(mcluster);
}

static void tb_exec_widen_backlog(rd_kafka_mock_cluster_t *mcluster,
                                  void *arg) {
        (void)arg;
        tb_widen_listen_backlog(mcluster);
}

static void tb_exec_apply_retention(rd_kafka_mock_cluster_t *mcluster,
                                    void *arg) {
        (void)arg;
        tb_apply_retention(mcluster);
}

typedef struct tb_topic_check_s {
        const char *topic;
        rd_bool_t exists;
} tb_topic_check_t;

static void tb_exec_topic_exists(rd_kafka_mock_cluster_t *mcluster,
                                 void *arg) {
        tb_topic_check_t *check = arg;
        check->exists = rd_kafka_mock_topic_find(mcluster, check->topic) != NULL;
}

static void tb_exec_status(rd_kafka_mock_cluster_t *mcluster, void *arg) {
        tb_str_t *out = arg;
        const rd_kafka_mock_broker_t *mrkb;
        const rd_kafka_mock_topic_t *mtopic;
        const rd_kafka_mock_cgrp_classic_t *mcgrp;
        const char *sep = "";
        int i, j;

        tb_str_printf(out, "{\"controller\":%d,\"brokers\":[",
                      (int)mcluster->controller_id);
        TAILQ_FOREACH(mrkb, &mcluster->brokers, link) {
                tb_str_printf(out, "%s{\"id\":%d,\"host\":", sep, (int)mrkb->id);
                tb_str_json(out, mrkb->advertised_listener);
                tb_str_printf(out, ",\"port\":%u,\"up\":%s,\"rttMs\":%lld}",
                              (unsigned)mrkb->port, mrkb->up ? "true" : "false",
                              (long long)(mrkb->rtt / 1000));
                sep = ",";
        }

        tb_str_printf(out, "],\"topics\":[");
        sep = "";
        TAILQ_FOREACH(mtopic, &mcluster->topics, link) {
                const char *psep = "";
                tb_str_printf(out, "%s{\"name\":", sep);
                tb_str_json(out, mtopic->name);
                tb_str_printf(out, ",\"internal\":%s,\"partitions\":[",
                              strcmp(mtopic->name, TB_OFFSETS_TOPIC_NAME)
                                  ? "false"
                                  : "true");
                for (i = 0; i < mtopic->partition_cnt; i++) {
                        const rd_kafka_mock_partition_t *mpart =
                            &mtopic->partitions[i];
                        tb_str_printf(
                            out,
                            "%s{\"partition\":%d,\"leader\":%d,"
                            "\"leaderEpoch\":%d,\"replicas\":[",
                            psep, (int)mpart->id,
                            mpart->leader ? (int)mpart->leader->id : -1,
                            (int)mpart->leader_epoch);
                        for (j = 0; j < mpart->replica_cnt; j++)
                                tb_str_printf(out, "%s%d", j ? "," : "",
                                              (int)mpart->replicas[j]->id);
                        tb_str_printf(out,
                                      "],\"startOffset\":%lld,"
                                      "\"endOffset\":%lld,"
                                      "\"lastStableOffset\":%lld}",
                                      (long long)mpart->start_offset,
                                      (long long)mpart->end_offset,
                                      (long long)mpart->lso);
                        psep = ",";
                }
                tb_str_printf(out, "]}");
                sep = ",";
        }

        tb_str_printf(out, "],\"groups\":[");
        sep = "";
        TAILQ_FOREACH(mcgrp, &mcluster->cgrps_classic, link) {
                tb_str_printf(out, "%s{\"groupId\":", sep);
                tb_str_json(out, mcgrp->id);
                tb_str_printf(out, ",\"state\":");
                tb_str_json(out, tb_group_state_name(mcgrp));
                tb_str_printf(out, ",\"generation\":%d,\"members\":%d}",
                              (int)mcgrp->generation_id, mcgrp->member_cnt);
                sep = ",";
        }
        tb_str_printf(out, "]}");
}


/* ---- command dispatch ---- */

static const char tb_help[] =
    "OK commands: ping | status | down <broker|all> | up <broker|all> | "
    "rtt <broker|all> <ms> | errors <apiKey> <errorCode> <count> [broker] | "
    "leader <topic> <partition> <broker|-1> | "
    "create-topic <name> <partitions> [replication] | delete-topic <name> | "
    "quit";

static void tb_reply(tb_str_t *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void tb_reply(tb_str_t *out, const char *fmt, ...) {
        char buf[512];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (n > 0)
                tb_str_append(out, buf, RD_MIN((size_t)n, sizeof(buf) - 1));
}

static void tb_reply_err(tb_str_t *out, rd_kafka_resp_err_t err) {
        tb_reply(out, "ERR %s: %s", rd_kafka_err2name(err),
                 rd_kafka_err2str(err));
}

static void tb_cmd_updown(rd_kafka_mock_cluster_t *mcluster,
                          int broker_cnt,
                          char **argv,
                          int argc,
                          tb_str_t *out) {
        rd_bool_t up = !strcasecmp(argv[0], "up");
        rd_kafka_resp_err_t err;
        int32_t id;

        if (argc != 2 || !tb_parse_broker(argv[1], broker_cnt, rd_true, &id)) {
                tb_reply(out, "ERR usage: %s <broker 1..%d|all>",
                         up ? "up" : "down", broker_cnt);
                return;
        }
        err = up ? rd_kafka_mock_broker_set_up(mcluster, id)
                 : rd_kafka_mock_broker_set_down(mcluster, id);
        if (err) {
                tb_reply_err(out, err);
                return;
        }
        tb_mock_exec(mcluster, tb_exec_refresh_controller, NULL);
        if (up)
                tb_mock_exec(mcluster, tb_exec_widen_backlog, NULL);
        tb_reply(out, "OK broker %s %s", argv[1], up ? "up" : "down");
}

static void tb_cmd_rtt(rd_kafka_mock_cluster_t *mcluster,
                       int broker_cnt,
                       char **argv,
                       int argc,
                       tb_str_t *out) {
        rd_kafka_resp_err_t err;
        int32_t id;
        long ms;

        if (argc != 3 || !tb_parse_broker(argv[1], broker_cnt, rd_true, &id) ||
            !tb_parse_int(argv[2], 0, TB_MAX_RTT_MS, &ms)) {
                tb_reply(out, "ERR usage: rtt <broker 1..%d|all> <ms 0..%d>",
                         broker_cnt, TB_MAX_RTT_MS);
                return;
        }
        if ((err = rd_kafka_mock_broker_set_rtt(mcluster, id, (int)ms))) {
                tb_reply_err(out, err);
                return;
        }
        tb_reply(out, "OK broker %s rtt %ld ms", argv[1], ms);
}

static void tb_cmd_errors(rd_kafka_mock_cluster_t *mcluster,
                          int broker_cnt,
                          char **argv,
                          int argc,
                          tb_str_t *out) {
        long api_key, code, count, i;
        int32_t broker_id = -1;

        if (argc < 4 || argc > 5 ||
            !tb_parse_int(argv[1], 0, RD_KAFKAP__NUM - 1, &api_key) ||
            !tb_parse_int(argv[2], -199, 1000, &code) ||
            !tb_parse_int(argv[3], 1, TB_MAX_ERROR_COUNT, &count) ||
            (argc == 5 &&
             !tb_parse_broker(argv[4], broker_cnt, rd_false, &broker_id))) {
                tb_reply(out,
                         "ERR usage: errors <apiKey 0..%d> <errorCode> "
                         "<count 1..%d> [broker 1..%d]",
                         RD_KAFKAP__NUM - 1, TB_MAX_ERROR_COUNT, broker_cnt);
                return;
        }

        if (broker_id == -1) {
                rd_kafka_resp_err_t *errs =
                    rd_malloc(sizeof(*errs) * (size_t)count);
                for (i = 0; i < count; i++)
                        errs[i] = (rd_kafka_resp_err_t)code;
                rd_kafka_mock_push_request_errors_array(
                    mcluster, (int16_t)api_key, (size_t)count, errs);
                rd_free(errs);
        } else {
                for (i = 0; i < count; i++) {
                        rd_kafka_resp_err_t err =
                            rd_kafka_mock_broker_push_request_error_rtts(
                                mcluster, broker_id, (int16_t)api_key, 1,
                                (rd_kafka_resp_err_t)code, 0);
                        if (err) {
                                tb_reply_err(out, err);
                                return;
                        }
                }
        }
        tb_reply(out, "OK pushed %ld x %s for %s%s%s", count,
                 rd_kafka_err2name((rd_kafka_resp_err_t)code),
                 rd_kafka_ApiKey2str((int16_t)api_key),
                 argc == 5 ? " on broker " : "", argc == 5 ? argv[4] : "");
}

static void tb_cmd_leader(rd_kafka_mock_cluster_t *mcluster,
                          int broker_cnt,
                          char **argv,
                          int argc,
                          tb_str_t *out) {
        tb_leader_cmd_t cmd = {0};
        long partition, broker;

        if (argc != 4 || !tb_parse_int(argv[2], 0, INT32_MAX, &partition) ||
            !tb_parse_int(argv[3], -1, broker_cnt, &broker) || broker == 0) {
                tb_reply(out,
                         "ERR usage: leader <topic> <partition> "
                         "<broker 1..%d|-1>",
                         broker_cnt);
                return;
        }
        cmd.topic     = argv[1];
        cmd.partition = (int32_t)partition;
        cmd.broker_id = (int32_t)broker;
        tb_mock_exec(mcluster, tb_exec_set_leader, &cmd);
        if (cmd.error) {
                tb_reply(out, "ERR %s", cmd.error);
                return;
        }
        tb_reply(out, "OK %s [%ld] leader %ld", argv[1], partition, broker);
}

static void tb_cmd_create_topic(rd_kafka_mock_cluster_t *mcluster,
                                int broker_cnt,
                                char **argv,
                                int argc,
                                tb_str_t *out) {
        long partitions, replication = RD_MIN(3, broker_cnt);
        rd_kafka_resp_err_t err;

        if (argc < 3 || argc > 4 || !tb_topic_name_valid(argv[1]) ||
            !tb_parse_int(argv[2], 1, 100000, &partitions) ||
            (argc == 4 && !tb_parse_int(argv[3], 1, broker_cnt, &replication))) {
                tb_reply(out,
                         "ERR usage: create-topic <name of [a-zA-Z0-9._-]> "
                         "<partitions 1..100000> [replication 1..%d]",
                         broker_cnt);
                return;
        }
        err = rd_kafka_mock_topic_create(mcluster, argv[1], (int)partitions,
                                         (int)replication);
        if (err) {
                tb_reply_err(out, err);
                return;
        }
        tb_mock_exec(mcluster, tb_exec_apply_retention, NULL);
        tb_reply(out, "OK topic %s created with %ld partition(s), replication %ld",
                 argv[1], partitions, replication);
}

static void tb_cmd_delete_topic(rd_kafka_mock_cluster_t *mcluster,
                                char **argv,
                                int argc,
                                tb_str_t *out) {
        tb_topic_check_t check = {0};
        rd_kafka_resp_err_t err;

        if (argc != 2) {
                tb_reply(out, "ERR usage: delete-topic <name>");
                return;
        }
        if (!strcmp(argv[1], TB_OFFSETS_TOPIC_NAME)) {
                tb_reply(out, "ERR %s is internal", TB_OFFSETS_TOPIC_NAME);
                return;
        }
        check.topic = argv[1];
        tb_mock_exec(mcluster, tb_exec_topic_exists, &check);
        if (!check.exists) {
                tb_reply(out, "ERR unknown topic");
                return;
        }
        if ((err = rd_kafka_mock_topic_delete(mcluster, argv[1]))) {
                tb_reply_err(out, err);
                return;
        }
        tb_reply(out, "OK topic %s deleted", argv[1]);
}

/* Splits \p line in place into at most TB_MAX_TOKENS tokens.
 * @returns the token count, or -1 if there are too many or the line holds
 *          control characters. */
static int tb_tokenize(char *line, char **argv) {
        int argc = 0;
        char *p;

        for (p = line; *p; p++) {
                unsigned char c = (unsigned char)*p;
                if ((c < 0x20 && c != '\t') || c == 0x7f)
                        return -1;
        }

        for (p = line; *p;) {
                while (*p == ' ' || *p == '\t')
                        p++;
                if (!*p)
                        break;
                if (argc == TB_MAX_TOKENS)
                        return -1;
                argv[argc++] = p;
                while (*p && *p != ' ' && *p != '\t')
                        p++;
                if (*p)
                        *p++ = '\0';
        }
        return argc;
}

char *tb_control_execute(rd_kafka_mock_cluster_t *mcluster,
                         int broker_cnt,
                         const char *line) {
        tb_str_t out = {0};
        char *copy   = rd_strdup(line);
        char *argv[TB_MAX_TOKENS];
        int argc = tb_tokenize(copy, argv);
        const char *cmd;

        if (argc < 0) {
                tb_reply(&out, "ERR malformed command: control characters or "
                               "more than %d words",
                         TB_MAX_TOKENS);
                goto done;
        }
        if (argc == 0) {
                tb_reply(&out, "ERR empty command (try: help)");
                goto done;
        }

        cmd = argv[0];
        if (!strcasecmp(cmd, "ping"))
                tb_reply(&out, "OK pong");
        else if (!strcasecmp(cmd, "help"))
                tb_str_append(&out, tb_help, sizeof(tb_help) - 1);
        else if (!strcasecmp(cmd, "quit"))
                tb_reply(&out, "OK bye");
        else if (!strcasecmp(cmd, "status")) {
                if (argc != 1) {
                        tb_reply(&out, "ERR usage: status");
                } else {
                        tb_reply(&out, "OK ");
                        tb_mock_exec(mcluster, tb_exec_status, &out);
                }
        } else if (!strcasecmp(cmd, "down") || !strcasecmp(cmd, "up"))
                tb_cmd_updown(mcluster, broker_cnt, argv, argc, &out);
        else if (!strcasecmp(cmd, "rtt"))
                tb_cmd_rtt(mcluster, broker_cnt, argv, argc, &out);
        else if (!strcasecmp(cmd, "errors"))
                tb_cmd_errors(mcluster, broker_cnt, argv, argc, &out);
        else if (!strcasecmp(cmd, "leader"))
                tb_cmd_leader(mcluster, broker_cnt, argv, argc, &out);
        else if (!strcasecmp(cmd, "create-topic"))
                tb_cmd_create_topic(mcluster, broker_cnt, argv, argc, &out);
        else if (!strcasecmp(cmd, "delete-topic"))
                tb_cmd_delete_topic(mcluster, argv, argc, &out);
        else
                tb_reply(&out, "ERR unknown command (try: help)");

done:
        rd_free(copy);
        if (!out.data)
                tb_reply(&out, "ERR internal error");
        return out.data;
}


/* ---- connections ---- */

typedef struct tb_client_s {
        int fd;
        char in[TB_MAX_LINE];
        size_t in_len;
        rd_bool_t discarding; /* dropping the rest of an over-long line */
        tb_str_t out;
        size_t out_sent;
        rd_bool_t close_after_write;
} tb_client_t;

int tb_control_listen(uint16_t *portp) {
        struct sockaddr_in sin = {.sin_family = AF_INET,
                                  .sin_addr   = {htonl(INADDR_LOOPBACK)}};
        socklen_t len          = sizeof(sin);
        int fd                 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd == -1)
                return -1;
        if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
            listen(fd, 64) == -1 ||
            getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
                int saved = errno;
                close(fd);
                errno = saved;
                return -1;
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        *portp = ntohs(sin.sin_port);
        return fd;
}

static void tb_client_queue(tb_client_t *c, const char *reply) {
        if (c->out.len - c->out_sent + strlen(reply) + 1 > TB_MAX_OUTPUT) {
                /* The client does not read its replies: give up on it. */
                c->close_after_write = rd_true;
                return;
        }
        tb_str_append(&c->out, reply, strlen(reply));
        tb_str_append(&c->out, "\n", 1);
}

static void tb_client_line(tb_client_t *c,
                           rd_kafka_mock_cluster_t *mcluster,
                           int broker_cnt,
                           char *line) {
        size_t len = strlen(line);
        char *reply;

        if (len > 0 && line[len - 1] == '\r')
                line[len - 1] = '\0';

        reply = tb_control_execute(mcluster, broker_cnt, line);
        tb_client_queue(c, reply);
        if (!strncmp(reply, "OK bye", 6))
                c->close_after_write = rd_true;
        rd_free(reply);
}

/* Reads what is available and executes complete lines.
 * @returns false when the connection is to be closed now. */
static rd_bool_t tb_client_read(tb_client_t *c,
                                rd_kafka_mock_cluster_t *mcluster,
                                int broker_cnt) {
        ssize_t r = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
        size_t start = 0;

        if (r == 0) /* EOF: finish sending replies first, if any */
                return c->out.len > c->out_sent
                           ? (c->close_after_write = rd_true)
                           : rd_false;
        if (r < 0)
                return errno == EAGAIN || errno == EINTR;
        c->in_len += (size_t)r;

        while (start < c->in_len && !c->close_after_write) {
                char *line = c->in + start;
                char *nl   = memchr(line, '\n', c->in_len - start);
                size_t len;

                if (!nl)
                        break;
                len   = (size_t)(nl - line);
                *nl   = '\0';
                start += len + 1;

                if (c->discarding) {
                        /* Tail of an over-long line, already answered. */
                        c->discarding = rd_false;
                } else if (memchr(line, '\0', len)) {
                        tb_client_queue(c, "ERR malformed command: NUL byte");
                } else {
                        tb_client_line(c, mcluster, broker_cnt, line);
                }
        }

        memmove(c->in, c->in + start, c->in_len - start);
        c->in_len -= start;

        if (c->in_len == sizeof(c->in)) {
                /* No newline within the limit: answer once, then drop the
                 * line up to its newline. */
                if (!c->discarding)
                        tb_client_queue(c, "ERR line too long (max 4095 bytes)");
                c->discarding = rd_true;
                c->in_len     = 0;
        }
        return rd_true;
}

/* @returns false when the connection is to be closed now. */
static rd_bool_t tb_client_write(tb_client_t *c) {
        while (c->out_sent < c->out.len) {
                ssize_t r = send(c->fd, c->out.data + c->out_sent,
                                 c->out.len - c->out_sent, MSG_NOSIGNAL);
                if (r < 0)
                        return errno == EAGAIN || errno == EINTR;
                c->out_sent += (size_t)r;
        }
        c->out.len = c->out_sent = 0;
        return !c->close_after_write;
}

static void tb_client_close(tb_client_t *c) {
        close(c->fd);
        rd_free(c->out.data);
        rd_free(c);
}

void tb_control_serve(int listen_fd,
                      int stop_fd,
                      rd_kafka_mock_cluster_t *mcluster,
                      int broker_cnt) {
        tb_client_t *clients[TB_MAX_CLIENTS] = {0};
        struct pollfd pfds[2 + TB_MAX_CLIENTS];
        int client_cnt = 0, i;

        for (;;) {
                pfds[0].fd     = stop_fd;
                pfds[0].events = POLLIN;
                pfds[1].fd     = listen_fd;
                pfds[1].events = POLLIN;
                for (i = 0; i < client_cnt; i++) {
                        pfds[2 + i].fd     = clients[i]->fd;
                        pfds[2 + i].events =
                            (clients[i]->close_after_write ? 0 : POLLIN) |
                            (clients[i]->out.len > clients[i]->out_sent
                                 ? POLLOUT
                                 : 0);
                }

                if (poll(pfds, (nfds_t)(2 + client_cnt), -1) == -1) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (pfds[0].revents)
                        break;

                for (i = client_cnt - 1; i >= 0; i--) {
                        tb_client_t *c = clients[i];
                        short ev       = pfds[2 + i].revents;
                        rd_bool_t keep = rd_true;

                        if (ev & POLLIN)
                                keep = tb_client_read(c, mcluster, broker_cnt);
                        else if (ev & (POLLERR | POLLHUP | POLLNVAL))
                                keep = rd_false;
                        if (keep && c->out.len > c->out_sent)
                                keep = tb_client_write(c);
                        else if (keep && c->close_after_write)
                                keep = rd_false;

                        if (!keep) {
                                tb_client_close(c);
                                clients[i] = clients[--client_cnt];
                        }
                }

                if (pfds[1].revents & POLLIN) {
                        int fd = accept4(listen_fd, NULL, NULL,
                                         SOCK_NONBLOCK | SOCK_CLOEXEC);
                        if (fd == -1)
                                continue;
                        if (client_cnt == TB_MAX_CLIENTS) {
                                static const char busy[] =
                                    "ERR too many control connections\n";
                                if (send(fd, busy, sizeof(busy) - 1,
                                         MSG_NOSIGNAL) < 0) {
                                        /* Nothing more to do for it. */
                                }
                                close(fd);
                                continue;
                        }
                        clients[client_cnt]     = rd_calloc(1, sizeof(tb_client_t));
                        clients[client_cnt]->fd = fd;
                        client_cnt++;
                }
        }

        for (i = 0; i < client_cnt; i++)
                tb_client_close(clients[i]);
}
