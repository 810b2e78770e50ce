/*
 * __consumer_offsets: every committed offset is also appended to this
 * topic, as a Kafka broker does, in the offset-commit key v1 / value v1
 * format, so tools that read the topic (for example Burrow) see the groups.
 *
 *   key   v1: version int16 = 1, group string, topic string, partition int32
 *   value v1: version int16 = 1, offset int64, metadata string,
 *             commit_timestamp int64, expire_timestamp int64
 */
#include "ext.h"
#include "crc32c.h"
#include "rdvarint.h"

/* Kafka's offsets.retention.minutes default: 7 days. */
#define TB_OFFSET_RETENTION_MS (7LL * 24 * 3600 * 1000)

void tb_offsets_topic_init(rd_kafka_mock_cluster_t *mcluster) {
        rd_kafka_resp_err_t err;

        if (!tb_conf.offsets_topic ||
            rd_kafka_mock_topic_find(mcluster, TB_OFFSETS_TOPIC_NAME))
                return;
        rd_kafka_mock_topic_auto_create(mcluster, TB_OFFSETS_TOPIC_NAME,
                                        TB_OFFSETS_TOPIC_PARTITIONS, &err);
}

/* Java's String.hashCode() over the UTF-16 form of a UTF-8 string. */
static int32_t tb_java_string_hash(const char *s) {
        const unsigned char *p = (const unsigned char *)s;
        uint32_t h             = 0;

        while (*p) {
                uint32_t cp;
                int n, i;

                if (p[0] < 0x80) {
                        cp = p[0];
                        n  = 1;
                } else if ((p[0] & 0xE0) == 0xC0) {
                        cp = p[0] & 0x1F;
                        n  = 2;
                } else if ((p[0] & 0xF0) == 0xE0) {
                        cp = p[0] & 0x0F;
                        n  = 3;
                } else if ((p[0] & 0xF8) == 0xF0) {
                        cp = p[0] & 0x07;
                        n  = 4;
                } else {
                        cp = 0xFFFD;
                        n  = 0;
                }
                for (i = 1; i < n; i++) {
                        if ((p[i] & 0xC0) != 0x80) {
                                /* Invalid sequence: Java decodes U+FFFD. */
                                cp = 0xFFFD;
                                n  = i;
                                break;
                        }
                        cp = (cp << 6) | (p[i] & 0x3F);
                }
                p += n > 0 ? n : 1;

                if (cp >= 0x10000) {
                        cp -= 0x10000;
                        h = 31 * h + (0xD800 + (cp >> 10));
                        h = 31 * h + (0xDC00 + (cp & 0x3FF));
                } else {
                        h = 31 * h + cp;
                }
        }
        return (int32_t)h;
}

/* Kafka: Utils.abs(groupId.hashCode) % partitions. */
static int32_t tb_offsets_partition(const char *group) {
        int32_t h = tb_java_string_hash(group);
        int32_t a = h == INT32_MIN ? 0 : (h < 0 ? -h : h);
        return a % TB_OFFSETS_TOPIC_PARTITIONS;
}


/* ---- a small append-only byte buffer ---- */

typedef struct tb_bytes_s {
        char *data;
        size_t len, size;
} tb_bytes_t;

static void tb_put(tb_bytes_t *b, const void *src, size_t n) {
        if (b->len + n > b->size) {
                b->size = RD_MAX(b->size * 2, b->len + n + 64);
                b->data = rd_realloc(b->data, b->size);
        }
        memcpy(b->data + b->len, src, n);
        b->len += n;
}

static void tb_put_i8(tb_bytes_t *b, int8_t v) {
        tb_put(b, &v, 1);
}
static void tb_put_i16(tb_bytes_t *b, int16_t v) {
        uint16_t be = htobe16((uint16_t)v);
        tb_put(b, &be, 2);
}
static void tb_put_i32(tb_bytes_t *b, int32_t v) {
        uint32_t be = htobe32((uint32_t)v);
        tb_put(b, &be, 4);
}
static void tb_put_i64(tb_bytes_t *b, int64_t v) {
        uint64_t be = htobe64((uint64_t)v);
        tb_put(b, &be, 8);
}
static void tb_put_str(tb_bytes_t *b, const char *s) {
        size_t len = RD_MIN(strlen(s), (size_t)INT16_MAX);
        tb_put_i16(b, (int16_t)len);
        tb_put(b, s, len);
}
static void tb_put_varint(tb_bytes_t *b, int64_t v) {
        char buf[RD_UVARINT_ENC_SIZEOF(int64_t)];
        size_t n = rd_uvarint_enc_i64(buf, sizeof(buf), v);
        tb_put(b, buf, n);
}

static void tb_update_i32(tb_bytes_t *b, size_t of, int32_t v) {
        uint32_t be = htobe32((uint32_t)v);
        memcpy(b->data + of, &be, 4);
}


/* Appends one record: the commit key and, unless \p tombstone, the value. */
static void tb_offsets_topic_append(rd_kafka_mock_cluster_t *mcluster,
                                    const char *group,
                                    const char *topic,
                                    int32_t partition,
                                    int64_t offset,
                                    const char *metadata,
                                    rd_bool_t tombstone) {
        rd_kafka_mock_topic_t *mtopic;
        rd_kafka_mock_partition_t *mpart;
        tb_bytes_t key = {0}, value = {0}, record = {0}, batch = {0};
        int64_t now_ms = (int64_t)(rd_uclock() / 1000), base_offset;
        size_t of_crc;
        uint32_t crc;
        rd_kafkap_bytes_t records;

        if (!tb_conf.offsets_topic || !strcmp(topic, TB_OFFSETS_TOPIC_NAME))
                return;
        mtopic = rd_kafka_mock_topic_find(mcluster, TB_OFFSETS_TOPIC_NAME);
        mpart  = rd_kafka_mock_partition_find(mtopic,
                                              tb_offsets_partition(group));
        if (!mpart)
                return;

        tb_put_i16(&key, 1);
        tb_put_str(&key, group);
        tb_put_str(&key, topic);
        tb_put_i32(&key, partition);

        if (!tombstone) {
                tb_put_i16(&value, 1);
                tb_put_i64(&value, offset);
                tb_put_str(&value, metadata ? metadata : "");
                tb_put_i64(&value, now_ms);
                tb_put_i64(&value, now_ms + TB_OFFSET_RETENTION_MS);
        }

        /* Record body: attributes, timestamp delta, offset delta, key,
         * value (length -1: null), no headers. */
        tb_put_i8(&record, 0);
        tb_put_varint(&record, 0);
        tb_put_varint(&record, 0);
        tb_put_varint(&record, (int64_t)key.len);
        tb_put(&record, key.data, key.len);
        if (tombstone) {
                tb_put_varint(&record, -1);
        } else {
                tb_put_varint(&record, (int64_t)value.len);
                tb_put(&record, value.data, value.len);
        }
        tb_put_varint(&record, 0);

        /* Record batch v2 holding that one record. */
        tb_put_i64(&batch, 0);  /* BaseOffset: set by the log */
        tb_put_i32(&batch, 0);  /* Length: set below */
        tb_put_i32(&batch, 0);  /* PartitionLeaderEpoch: set by the log */
        tb_put_i8(&batch, 2);   /* Magic */
        of_crc = batch.len;
        tb_put_i32(&batch, 0);  /* CRC: set below */
        tb_put_i16(&batch, 0);  /* Attributes */
        tb_put_i32(&batch, 0);  /* LastOffsetDelta */
        tb_put_i64(&batch, now_ms);
        tb_put_i64(&batch, now_ms);
        tb_put_i64(&batch, -1); /* ProducerId */
        tb_put_i16(&batch, -1); /* ProducerEpoch */
        tb_put_i32(&batch, -1); /* BaseSequence */
        tb_put_i32(&batch, 1);  /* RecordCount */
        tb_put_varint(&batch, (int64_t)record.len);
        tb_put(&batch, record.data, record.len);

        tb_update_i32(&batch, 8, (int32_t)(batch.len - 12));
        /* CRC-32C covers everything after the CRC field. */
        crc = rd_crc32c(0, batch.data + of_crc + 4, batch.len - of_crc - 4);
        tb_update_i32(&batch, of_crc, (int32_t)crc);

        records.len  = (int32_t)batch.len;
        records.data = batch.data;
        rd_kafka_mock_partition_log_append(mpart, &records, NULL, &base_offset);

        rd_free(key.data);
        rd_free(value.data);
        rd_free(record.data);
        rd_free(batch.data);
}

void tb_offsets_topic_write(rd_kafka_mock_cluster_t *mcluster,
                            const char *group,
                            const char *topic,
                            int32_t partition,
                            int64_t offset,
                            const char *metadata) {
        tb_offsets_topic_append(mcluster, group, topic, partition, offset,
                                metadata, rd_false);
}

void tb_offsets_topic_delete(rd_kafka_mock_cluster_t *mcluster,
                             const char *group,
                             const char *topic,
                             int32_t partition) {
        tb_offsets_topic_append(mcluster, group, topic, partition, -1, NULL,
                                rd_true);
}
