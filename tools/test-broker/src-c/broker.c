/*
 * streamops-test-broker: a Kafka-protocol test broker made of librdkafka's
 * mock cluster plus our protocol extension (ext*.c) and a control port
 * (control.c). Listens on 127.0.0.1 only, on kernel-chosen ports.
 *
 * On start-up it prints, each on its own line:
 *   BOOTSTRAP 127.0.0.1:<port>,127.0.0.1:<port>,...
 *   CONTROL 127.0.0.1:<port>
 *   READY {"pid":...,"bootstrap":[...],"control":{...},"brokers":[...]}
 * and runs until SIGTERM or SIGINT, then shuts down and exits 0.
 */
#include "control.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#define TB_MAX_BROKERS 32
#define TB_MAX_TOPICS  1000

typedef struct tb_topic_arg_s {
        char name[250];
        int partitions;
        int replication;
} tb_topic_arg_t;

typedef struct tb_args_s {
        int brokers;
        tb_topic_arg_t topics[TB_MAX_TOPICS];
        int topic_cnt;
        const char *bootstrap_file;
        const char *info_file;
        rd_bool_t debug;
} tb_args_t;

static int tb_stop_pipe[2] = {-1, -1};

static void tb_on_signal(int sig) {
        char c = (char)sig;
        /* Async-signal-safe wake-up of the control loop. */
        if (write(tb_stop_pipe[1], &c, 1) < 0) {
                /* The pipe is full: a stop is already pending. */
        }
}

static void tb_usage(FILE *fp) {
        fprintf(fp,
                "Usage: streamops-test-broker [options]\n"
                "  --brokers N               brokers, 1..%d (default 3)\n"
                "  --topic NAME:PARTITIONS[:REPLICATION]\n"
                "                            create a topic (repeatable)\n"
                "  --bootstrap-file PATH     write the bootstrap list there\n"
                "  --info-file PATH          write the READY JSON there\n"
                "  --default-partitions N    partitions of auto-created "
                "topics (default 1)\n"
                "  --fetch-wait-max-ms N     longest hold of an empty fetch "
                "(default 100)\n"
                "  --partition-max-bytes N   bytes kept per partition "
                "(default 67108864)\n"
                "  --no-offsets-topic        do not write __consumer_offsets\n"
                "  --debug                   log the mock's protocol traffic\n"
                "  --stock-mock              serve the protocol as librdkafka's "
                "mock does,\n"
                "                            without our extension (to "
                "compare)\n"
                "  --help\n",
                TB_MAX_BROKERS);
}

static rd_bool_t tb_parse_long(const char *s, long min, long max, long *out) {
        char *end;
        long v;

        errno = 0;
        v     = strtol(s, &end, 10);
        if (!*s || errno || *end || v < min || v > max)
                return rd_false;
        *out = v;
        return rd_true;
}

/* NAME:PARTITIONS[:REPLICATION] */
static rd_bool_t tb_parse_topic(const char *spec, tb_topic_arg_t *t) {
        const char *colon = strchr(spec, ':');
        char number[32];
        const char *rest;
        const char *colon2;
        long v;
        size_t name_len;

        if (!colon)
                return rd_false;
        name_len = (size_t)(colon - spec);
        if (name_len == 0 || name_len >= sizeof(t->name))
                return rd_false;
        memcpy(t->name, spec, name_len);
        t->name[name_len] = '\0';
        if (!tb_topic_name_valid(t->name))
                return rd_false;

        rest   = colon + 1;
        colon2 = strchr(rest, ':');
        if (strlen(rest) >= sizeof(number))
                return rd_false;
        if (colon2) {
                memcpy(number, rest, (size_t)(colon2 - rest));
                number[colon2 - rest] = '\0';
        } else {
                strcpy(number, rest);
        }
        if (!tb_parse_long(number, 1, 100000, &v))
                return rd_false;
        t->partitions  = (int)v;
        t->replication = -1;
        if (colon2) {
                if (!tb_parse_long(colon2 + 1, 1, TB_MAX_BROKERS, &v))
                        return rd_false;
                t->replication = (int)v;
        }
        return rd_true;
}

static int tb_parse_args(int argc, char **argv, tb_args_t *args) {
        enum {
                OPT_BROKERS = 1000,
                OPT_TOPIC,
                OPT_BOOTSTRAP_FILE,
                OPT_INFO_FILE,
                OPT_DEFAULT_PARTITIONS,
                OPT_FETCH_WAIT,
                OPT_PARTITION_MAX_BYTES,
                OPT_NO_OFFSETS_TOPIC,
                OPT_DEBUG,
                OPT_STOCK_MOCK,
                OPT_HELP,
        };
        static const struct option options[] = {
            {"brokers", required_argument, NULL, OPT_BROKERS},
            {"topic", required_argument, NULL, OPT_TOPIC},
            {"bootstrap-file", required_argument, NULL, OPT_BOOTSTRAP_FILE},
            {"info-file", required_argument, NULL, OPT_INFO_FILE},
            {"default-partitions", required_argument, NULL,
             OPT_DEFAULT_PARTITIONS},
            {"fetch-wait-max-ms", required_argument, NULL, OPT_FETCH_WAIT},
            {"partition-max-bytes", required_argument, NULL,
             OPT_PARTITION_MAX_BYTES},
            {"no-offsets-topic", no_argument, NULL, OPT_NO_OFFSETS_TOPIC},
            {"debug", no_argument, NULL, OPT_DEBUG},
            {"stock-mock", no_argument, NULL, OPT_STOCK_MOCK},
            {"help", no_argument, NULL, OPT_HELP},
            {NULL, 0, NULL, 0}};
        int opt;
        long v;

        args->brokers = 3;
        while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
                switch (opt) {
                case OPT_BROKERS:
                        if (!tb_parse_long(optarg, 1, TB_MAX_BROKERS, &v)) {
                                fprintf(stderr, "--brokers must be 1..%d\n",
                                        TB_MAX_BROKERS);
                                return -1;
                        }
                        args->brokers = (int)v;
                        break;
                case OPT_TOPIC:
                        if (args->topic_cnt == TB_MAX_TOPICS ||
                            !tb_parse_topic(optarg,
                                            &args->topics[args->topic_cnt])) {
                                fprintf(stderr,
                                        "bad --topic '%s': expected "
                                        "NAME:PARTITIONS[:REPLICATION] with a "
                                        "name of [a-zA-Z0-9._-]\n",
                                        optarg);
                                return -1;
                        }
                        args->topic_cnt++;
                        break;
                case OPT_BOOTSTRAP_FILE:
                        args->bootstrap_file = optarg;
                        break;
                case OPT_INFO_FILE:
                        args->info_file = optarg;
                        break;
                case OPT_DEFAULT_PARTITIONS:
                        if (!tb_parse_long(optarg, 1, 10000, &v)) {
                                fprintf(stderr,
                                        "--default-partitions must be "
                                        "1..10000\n");
                                return -1;
                        }
                        tb_conf.default_partitions = (int)v;
                        break;
                case OPT_FETCH_WAIT:
                        if (!tb_parse_long(optarg, 0, 60000, &v)) {
                                fprintf(stderr,
                                        "--fetch-wait-max-ms must be "
                                        "0..60000\n");
                                return -1;
                        }
                        tb_conf.fetch_wait_max_ms = (int)v;
                        break;
                case OPT_PARTITION_MAX_BYTES:
                        if (!tb_parse_long(optarg, 1024, LONG_MAX, &v)) {
                                fprintf(stderr,
                                        "--partition-max-bytes must be at "
                                        "least 1024\n");
                                return -1;
                        }
                        tb_conf.partition_max_bytes = (size_t)v;
                        break;
                case OPT_NO_OFFSETS_TOPIC:
                        tb_conf.offsets_topic = rd_false;
                        break;
                case OPT_DEBUG:
                        args->debug = rd_true;
                        break;
                case OPT_STOCK_MOCK:
                        tb_conf.stock_mock    = rd_true;
                        tb_conf.offsets_topic = rd_false;
                        break;
                case OPT_HELP:
                        tb_usage(stdout);
                        exit(0);
                default:
                        tb_usage(stderr);
                        return -1;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
                return -1;
        }
        return 0;
}

/* Writes \p content to \p path through a temporary file, so that readers
 * never see a partial file. */
static int tb_write_file(const char *path, const char *content) {
        char tmp[4096];
        FILE *fp;

        if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
            (int)sizeof(tmp))
                return -1;
        if (!(fp = fopen(tmp, "w")))
                return -1;
        if (fputs(content, fp) == EOF || fclose(fp) == EOF) {
                unlink(tmp);
                return -1;
        }
        if (rename(tmp, path) == -1) {
                unlink(tmp);
                return -1;
        }
        return 0;
}

static void tb_log_cb(const rd_kafka_t *rk,
                      int level,
                      const char *fac,
                      const char *buf) {
        (void)rk;
        fprintf(stderr, "[test-broker] %d %s: %s\n", level, fac, buf);
}

static void tb_exec_install(rd_kafka_mock_cluster_t *mcluster, void *arg) {
        (void)arg;
        tb_ext_install(mcluster);
}

static void tb_exec_finish_setup(rd_kafka_mock_cluster_t *mcluster,
                                 void *arg) {
        (void)arg;
        tb_apply_retention(mcluster);
        tb_widen_listen_backlog(mcluster);
}

int main(int argc, char **argv) {
        static tb_args_t args;
        char errstr[512];
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mcluster;
        const char *bootstraps;
        struct sigaction sa;
        uint16_t control_port;
        int control_fd, i;
        char *ready_json, *p;
        size_t json_size;
        pid_t parent = getppid();

        if (tb_parse_args(argc, argv, &args) == -1)
                return 2;

        /* Leave nothing behind: stop when the process that started us dies
         * (unless started from init, e.g. by a daemonising shell). */
        if (parent != 1) {
                prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (getppid() != parent)
                        return 1;
        }

        signal(SIGPIPE, SIG_IGN);
        if (pipe(tb_stop_pipe) == -1) {
                perror("pipe");
                return 1;
        }
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = tb_on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);

        conf = rd_kafka_conf_new();
        rd_kafka_conf_set_log_cb(conf, tb_log_cb);
        /* Warnings and worse only (the handle's own "no bootstrap.servers"
         * notice is noise), unless debugging. */
        rd_kafka_conf_set(conf, "log_level", args.debug ? "7" : "4", errstr,
                          sizeof(errstr));
        if (args.debug &&
            rd_kafka_conf_set(conf, "debug", "mock", errstr, sizeof(errstr)) !=
                RD_KAFKA_CONF_OK) {
                fprintf(stderr, "%s\n", errstr);
                return 1;
        }
        /* A producer handle that never produces: the mock needs a handle. */
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "rd_kafka_new failed: %s\n", errstr);
                return 1;
        }

        mcluster = rd_kafka_mock_cluster_new(rk, args.brokers);
        if (!mcluster) {
                fprintf(stderr, "could not create the mock cluster\n");
                rd_kafka_destroy(rk);
                return 1;
        }
        tb_mock_exec(mcluster, tb_exec_install, NULL);

        for (i = 0; i < args.topic_cnt; i++) {
                const tb_topic_arg_t *t = &args.topics[i];
                int replication = t->replication == -1
                                      ? RD_MIN(3, args.brokers)
                                      : t->replication;
                rd_kafka_resp_err_t err;

                if (replication > args.brokers) {
                        fprintf(stderr,
                                "topic %s: replication %d exceeds %d "
                                "broker(s)\n",
                                t->name, replication, args.brokers);
                        return 2;
                }
                err = rd_kafka_mock_topic_create(mcluster, t->name,
                                                 t->partitions, replication);
                if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                        fprintf(stderr, "topic %s: %s\n", t->name,
                                rd_kafka_err2str(err));
                        return 1;
                }
        }
        tb_mock_exec(mcluster, tb_exec_finish_setup, NULL);

        control_fd = tb_control_listen(&control_port);
        if (control_fd == -1) {
                perror("control port");
                return 1;
        }

        bootstraps = rd_kafka_mock_cluster_bootstraps(mcluster);

        /* READY JSON: bootstrap entries are "127.0.0.1:port", no escaping
         * needed. */
        json_size  = 256 + strlen(bootstraps) * 3;
        ready_json = rd_malloc(json_size);
        p          = ready_json;
        p += sprintf(p, "{\"pid\":%d,\"bootstrap\":[\"", (int)getpid());
        for (const char *b = bootstraps; *b; b++) {
                if (*b == ',')
                        p += sprintf(p, "\",\"");
                else
                        *p++ = *b;
        }
        sprintf(p, "\"],\"control\":{\"host\":\"127.0.0.1\",\"port\":%u}}",
                (unsigned)control_port);

        if (args.bootstrap_file) {
                char *line = rd_malloc(strlen(bootstraps) + 2);
                sprintf(line, "%s\n", bootstraps);
                if (tb_write_file(args.bootstrap_file, line) == -1) {
                        perror(args.bootstrap_file);
                        return 1;
                }
                rd_free(line);
        }
        if (args.info_file) {
                char *line = rd_malloc(strlen(ready_json) + 2);
                sprintf(line, "%s\n", ready_json);
                if (tb_write_file(args.info_file, line) == -1) {
                        perror(args.info_file);
                        return 1;
                }
                rd_free(line);
        }

        printf("BOOTSTRAP %s\n", bootstraps);
        printf("CONTROL 127.0.0.1:%u\n", (unsigned)control_port);
        printf("READY %s\n", ready_json);
        fflush(stdout);
        rd_free(ready_json);

        tb_control_serve(control_fd, tb_stop_pipe[0], mcluster, args.brokers);

        close(control_fd);
        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        fprintf(stderr, "[test-broker] stopped\n");
        return 0;
}
