import { type agentFlags } from './load';

/**
 * Documentation of the agent configuration, kept beside the zod schema (schema.ts) rather
 * than in it, so that the schema can change on its own. `scripts/config-doc.ts` walks the
 * schema and renders docs/configuration-agent.md from it and from these descriptions; it
 * fails, naming the path, when a schema key has no description here or a description
 * names a key the schema lacks.
 *
 * Key paths are the YAML keys joined by dots; `[]` stands for "every item of the list"
 * (`clusters[].sasl.mechanism`). Types, defaults, ranges and allowed values come from the
 * schema: describe what the key does, not what the schema already says.
 */
export const agentConfigDescriptions: Readonly<Record<string, string>> = {
  clusters:
    'Kafka clusters to collect consumer-group lag from. Each gets its own collection loop; the `cluster` label of every lag series is its `name`.',
  'clusters[].name':
    'Name of the cluster: the value of the `cluster` label and the `:cluster` part of the `/api/v1/clusters/:cluster/...` paths.',
  'clusters[].brokers': 'Bootstrap brokers, each `host:port`.',
  'clusters[].clientId':
    'kafkajs client id of the agent’s connections (shows in broker logs, quotas and ACLs).',
  'clusters[].sasl':
    'SASL authentication. Absent: none. Username and password are secret references, resolved once when the agent starts.',
  'clusters[].sasl.mechanism':
    'SASL mechanism: `plain` and `scram-sha-*` as kafkajs names them, or `aws-msk-iam` for Amazon MSK IAM (SASL/OAUTHBEARER with a SigV4-signed token; credentials from the default AWS chain: environment, EKS IRSA web identity, instance profile). `aws-msk-iam` needs `tls`.',
  'clusters[].sasl.username':
    'SASL username, by reference: `{ env: VAR }` reads the environment variable VAR, `{ file: /path }` reads the file (one trailing newline removed).',
  'clusters[].sasl.password': 'SASL password, by reference, like `username`. Inline values are rejected.',
  'clusters[].sasl.region':
    'AWS region of the MSK cluster, such as `eu-west-1`: the region tokens are signed for. Tokens last 15 minutes (less when the credentials expire sooner) and are renewed before they run out.',
  'clusters[].tls':
    'TLS to the brokers. Absent: plain TCP. Present (even as `{}`): TLS is on unless `enabled: false`. Certificates and key are secret references, resolved once when the agent starts.',
  'clusters[].tls.enabled': 'Turns TLS on or off while keeping the rest of the block.',
  'clusters[].tls.rejectUnauthorized':
    'Verify the brokers’ certificates against `ca` (or the system CAs when `ca` is absent). `false` accepts any certificate.',
  'clusters[].tls.ca':
    'PEM CA certificate(s) to verify the brokers with, by reference. Absent: the system CAs.',
  'clusters[].tls.cert': 'PEM client certificate for mutual TLS, by reference.',
  'clusters[].tls.key': 'PEM private key of `cert`, by reference.',
  'clusters[].groups':
    'Which consumer groups are collected. A group is collected when one `allow` pattern matches its name and no `deny` pattern does.',
  'clusters[].groups.allow':
    'Regular expressions in JavaScript syntax, each checked at start-up. Not anchored: use `^` and `$` to match whole names.',
  'clusters[].groups.deny':
    'Regular expressions (checked, not anchored) that exclude groups, even allowed ones.',
  'clusters[].topics':
    'Which topics count: committed offsets on other topics are ignored (no lag, status or series for them).',
  'clusters[].topics.allow': 'Regular expressions (checked, not anchored), as for `groups.allow`.',
  'clusters[].topics.deny':
    'Regular expressions (checked, not anchored) that exclude topics, even allowed ones.',
  collection: 'How the agent reads the clusters.',
  'collection.intervalSeconds':
    'Time between the starts of two collection cycles of a cluster. When commits are polled (`collection.commitSource`), also the spacing of commit-window entries for groups with members, so the status window spans about `evaluation.windowSize` × this.',
  'collection.granularity':
    '`partition` exports per-partition series; `topic` leaves out every series with a `partition` label (lag, time lag, status, offsets), keeping group and topic series. The kafka-lag-exporter compatibility series are per partition either way.',
  'collection.requestTimeoutMs':
    'kafkajs request timeout of every Kafka request; the connection timeout is the smaller of this and 5000 ms.',
  'collection.concurrency': 'Consumer groups whose committed offsets are fetched at the same time.',
  'collection.commitSource':
    'Where the status window’s commits come from. `offsets-topic` reads every commit and its time from `__consumer_offsets`, as Burrow does (needs READ and DESCRIBE on topic `__consumer_offsets`; no group is joined), and logs a warning while it cannot. `polling` never reads that topic: commits are the offsets fetched each cycle, timed by the cycle. `auto` reads the topic and falls back to polling for a cluster that refuses or hides it, saying so once in the log and in `streamops_collector_commit_source`.',
  evaluation: 'How lag is turned into statuses.',
  'evaluation.windowSize':
    'Commits kept per group and partition for the Burrow-style status rules (Burrow’s default is 10).',
  'evaluation.minDistanceSeconds':
    'Commits closer than this to the newest one in the window replace it (keeping its time) instead of taking a new entry, as Burrow’s `min-distance`: a consumer committing many times a second then still spans a useful window. 0 keeps every commit.',
  'evaluation.thresholds':
    'Time-lag limits behind `streamops_consumergroup_threshold_status_code`: a group is WARN when its largest partition time lag is above `warnSeconds`, ERR above `errSeconds`.',
  'evaluation.thresholds.default':
    'Limits of every group no `groups` entry matches; `errSeconds` must be at least `warnSeconds`.',
  'evaluation.thresholds.default.warnSeconds': 'Time lag in seconds above which a group is WARN.',
  'evaluation.thresholds.default.errSeconds':
    'Time lag in seconds above which a group is ERR; must be at least `warnSeconds`.',
  'evaluation.thresholds.groups':
    'Per-group limits; the first entry whose `group` pattern matches the group name applies. In each entry `errSeconds` must be at least `warnSeconds`.',
  'evaluation.thresholds.groups[].group':
    'Regular expression on the group name (JavaScript syntax, checked at start-up, not anchored).',
  'evaluation.thresholds.groups[].warnSeconds': 'Time lag in seconds above which a matching group is WARN.',
  'evaluation.thresholds.groups[].errSeconds':
    'Time lag in seconds above which a matching group is ERR; must be at least `warnSeconds`.',
  server: 'The HTTP server: `/metrics`, the JSON API, `/healthz`, `/readyz` and OTLP ingest.',
  'server.host': 'Listen address.',
  'server.port': 'Listen port; 0 picks a free one.',
  'server.readToken':
    'Bearer token (`Authorization: Bearer <token>`) every read request must carry: `/api/*` and every other GET except `/healthz`, `/readyz` and, unless `metricsRequireReadToken`, `/metrics`. By reference; resolved once when the agent starts. Absent: reads are open. A missing or wrong token is answered 401 with a JSON error.',
  'server.metricsRequireReadToken':
    '`true`: `/metrics` needs `readToken` too (give Prometheus `authorization.credentials`). `false`: `/metrics` stays open while the API is protected.',
  'server.headersTimeoutMs':
    'Time a client has to send the request headers; slower connections are closed (slowloris). At most `requestTimeoutMs`.',
  'server.requestTimeoutMs':
    'Time a client has to send the whole request, body included; slower requests are answered 408 and closed.',
  'server.keepAliveTimeoutMs':
    'Idle time after which a kept-alive connection is closed; 0 keeps idle connections open until the client closes them.',
  'server.maxConnections':
    'Open connections at once; further ones are closed on arrival. Prometheus, the reporters and the CLI each hold one or a few.',
  'server.tls':
    'HTTPS on the listener, from PEM files (a Kubernetes TLS Secret mounts as `tls.crt` and `tls.key`). Absent: plain HTTP. The files are re-read when their modification time changes; a new pair that does not load is logged and the old one kept.',
  'server.tls.certFile': 'PEM certificate chain of the listener, leaf first.',
  'server.tls.keyFile': 'PEM private key of `certFile`.',
  'server.tls.caFile':
    'PEM CA certificate(s) client certificates are checked against; needed with `clientAuth: require`.',
  'server.tls.clientAuth':
    '`require`: every client must present a certificate signed by `caFile` (mutual TLS), or the handshake fails. `none`: no client certificate is asked for.',
  'server.tls.reloadIntervalSeconds':
    'How often the modification times of the certificate, key and CA files are checked; a change reloads all three.',
  compatibility: 'Extra series under other exporters’ names, for existing dashboards and alerts.',
  'compatibility.kafkaLagExporter':
    'Also export `kafka_consumergroup_group_lag`, `kafka_consumergroup_group_lag_seconds` (per partition) and `kafka_consumergroup_group_max_lag_seconds`, labelled `cluster_name`, `group`, `topic`, `partition` as kafka-lag-exporter does.',
  ingest:
    'OTLP/HTTP metrics ingest at `POST /v1/metrics`, from the SDK’s `startReporter()` or any OpenTelemetry SDK; it feeds the pipeline view.',
  'ingest.enabled':
    '`false` removes `POST /v1/metrics`, `/api/v1/pipelines` and every `streamops_pipeline_*` and `streamops_ingest_*` series.',
  'ingest.token':
    'Bearer token ingest requests may carry (`Authorization: Bearer <token>`), by reference; resolved once when the agent starts. It is the token named `default`, allowed to report every pipeline. With neither `token` nor `tokens`: no authentication. The token is checked before the body is read.',
  'ingest.tokens':
    'Named ingest tokens, beside or instead of `token`: a request must carry one of them. Each instance is bound to the token that first reported it while it is live (see agent/src/ingest/README.md, “Trust model”).',
  'ingest.tokens[].name':
    'Who holds the token (a team, a pipeline); unique, `default` is taken when `token` is set. Instances reported with one token cannot be reported with another until they expire.',
  'ingest.tokens[].token': 'The token, by reference (`{ env: VAR }` or `{ file: /path }`), never inline.',
  'ingest.tokens[].pipelines':
    'Pipelines the token may report. Points of other pipelines are refused with `forbidden_pipeline` (partial success, or 403 when nothing is left). Absent: every pipeline.',
  'ingest.instanceTtlSeconds':
    'A reporting instance silent for this long expires: it stops counting as live, and its counts stay in the pipeline totals. Until then its id stays bound to its token and process start time; a report that differs in either is refused with `identity_conflict` (403).',
  'ingest.maxBodyBytes':
    'Largest request body, checked both as sent and after gzip decompression (413 above it).',
  'ingest.maxInstances':
    'Instances tracked at once; a report from one more is refused with `instance_limit` (429) after expired instances were dropped.',
  'ingest.maxSeriesPerInstance':
    'Series one instance may hold; points of further series are refused with `series_limit`.',
  'ingest.maxSeries':
    'Series held over all instances together; points of further series are refused with `series_limit`, existing ones keep updating. With the other caps it bounds memory and `/metrics`: at every default cap the agent stays near 300 MB RSS.',
  'ingest.maxPipelines':
    'Pipelines with series at once; series of one more are refused with `pipeline_limit` (429), after the series of a pipeline no live instance reports were dropped.',
  'ingest.maxInstancesPerPipeline':
    'Live instances reporting one pipeline; series of one more are refused with `instance_limit` (429) until one expires.',
  'ingest.maxClockSkewSeconds':
    'Points whose time is further ahead of the agent’s clock are refused with `timestamp_skew`.',
  'ingest.maxPointAgeSeconds':
    'Points whose time is further behind the agent’s clock are refused with `timestamp_skew`.',
  'ingest.reportsPerSecondPerInstance':
    'Average reports per second one instance may send (bursts of up to 20); faster ones are refused with `rate_limited` (429 with `Retry-After`).',
  pipelines:
    'The pipeline view: the R = D × P × C model and capacity, computed after every collection cycle.',
  'pipelines.windowSeconds':
    'Window the model’s rates are measured over: between the newest counter snapshot and the newest one at least this much older (the oldest one while the history is shorter).',
  'pipelines.targetRate':
    'Input rate (messages per second) every pipeline’s capacity plan is made for. Absent: no plan, except on request (`/api/v1/pipelines/:pipeline?targetRate=N`, `streamops capacity --target-rate N`).',
  'pipelines.declared':
    'Topology the reports cannot tell, per pipeline. What is declared overrides what is learnt from the reports; a declared pipeline that never reports has no model.',
  'pipelines.declared[].name':
    'The pipeline, as its instances report it (`streamops.pipeline` / the `pipeline` label).',
  'pipelines.declared[].inputTopics':
    'Input topics. Learnt: topics the pipeline consumes but does not produce. D is the growth of their log end offsets.',
  'pipelines.declared[].outputTopics':
    'Output topics. Learnt: topics it produces but does not consume, dead-letter topics excepted. C counts deliveries to them.',
  'pipelines.declared[].deadLetterTopics':
    'Dead-letter topics. Learnt: produced topics with `dlq`, `dlt` or `dead-letter(s)` as a name part.',
  'pipelines.declared[].stages':
    'Stage names in processing order. With an order declared, processed messages are the last stage’s `success` and `retried` outcomes; without one, consumed minus filtered, errored and dead-lettered.',
  'pipelines.declared[].stageConcurrency':
    'Stage name → handlers running in parallel per instance that the busy time does not already reflect; μ is multiplied by it. Default 1 per stage: the SDK’s busy time already counts overlapping messages once.',
  engines:
    'Flink JobManagers and Storm UIs whose jobs and topologies are modelled as pipelines, beside the kafkajs ones (see docs/engines.md). Names must be unique.',
  'engines[].type': '`flink`: a JobManager’s REST API. `storm`: a Storm UI’s REST API.',
  'engines[].name':
    'The `endpoint` label of the engine’s health series (`streamops_engine_up`); letters, digits, `.`, `_` and `-`.',
  'engines[].url':
    'Base URL of the REST API, http or https, for example `http://flink-jobmanager:8081` or `http://storm-ui:8080`.',
  'engines[].intervalSeconds':
    'How often the endpoint is polled. Rates come from the engine itself, so this sets freshness, not accuracy.',
  'engines[].timeoutMs':
    'Time limit of one HTTP request; a slower answer counts as a failed poll (`streamops_engine_up` 0, last values kept).',
  'engines[].headers':
    'Request headers such as `Authorization`, by secret reference only (`{ env: NAME }` or `{ file: /path }`), never inline.',
  'engines[].windowSeconds':
    'Storm only: the statistics window asked for, in seconds (Storm UI offers 600, 10800 and 86400). Absent: Storm’s default window.',
};

/**
 * The configuration key each flag (and the environment variables that stand for it) sets.
 * `config` names the file and `help` prints the usage, so neither sets a key. Typed against
 * `agentFlags`, so that adding a flag without saying what it sets fails to compile.
 */
export const agentFlagKeyPaths = {
  brokers: 'clusters[].brokers',
  'cluster-name': 'clusters[].name',
  port: 'server.port',
  host: 'server.host',
  interval: 'collection.intervalSeconds',
  granularity: 'collection.granularity',
  'flink-url': 'engines[].url',
  'storm-url': 'engines[].url',
} as const satisfies Record<Exclude<keyof typeof agentFlags, 'config' | 'help'>, string>;

/** A complete example of the configuration file; the docs show it and a test parses it. */
export const exampleAgentConfig = `clusters:
  - name: prod
    brokers: [kafka-0.kafka:9092, kafka-1.kafka:9092]
    clientId: streamops-agent
    sasl:
      mechanism: scram-sha-512
      username: { env: KAFKA_USERNAME }
      password: { file: /run/secrets/kafka-password }
    tls:
      ca: { file: /run/secrets/kafka-ca.pem }
    groups: { allow: ['.*'], deny: ['^console-consumer-'] }
    topics: { allow: ['.*'], deny: ['^__'] }
collection:
  intervalSeconds: 15
  granularity: partition
  requestTimeoutMs: 10000
  concurrency: 8
  commitSource: auto
evaluation:
  windowSize: 10
  minDistanceSeconds: 0
  thresholds:
    default: { warnSeconds: 60, errSeconds: 300 }
    groups:
      - { group: '^batch-', warnSeconds: 900, errSeconds: 3600 }
server:
  host: 0.0.0.0
  port: 9308
  readToken: { env: STREAMOPS_READ_TOKEN }
  metricsRequireReadToken: false
  headersTimeoutMs: 10000
  requestTimeoutMs: 30000
  keepAliveTimeoutMs: 5000
  maxConnections: 1024
  tls:
    certFile: /etc/streamops/tls/tls.crt
    keyFile: /etc/streamops/tls/tls.key
    clientAuth: none
    reloadIntervalSeconds: 30
compatibility:
  kafkaLagExporter: false
ingest:
  enabled: true
  token: { env: STREAMOPS_INGEST_TOKEN }
  tokens:
    - name: orders-team
      token: { file: /run/secrets/orders-ingest-token }
      pipelines: [orders]
  instanceTtlSeconds: 60
  maxBodyBytes: 4194304
  maxInstances: 5000
  maxSeriesPerInstance: 2000
  maxSeries: 10000
  maxPipelines: 50
  maxInstancesPerPipeline: 100
  maxClockSkewSeconds: 300
  maxPointAgeSeconds: 3600
  reportsPerSecondPerInstance: 5
pipelines:
  windowSeconds: 60
  targetRate: 5000
  declared:
    - name: orders
      inputTopics: [orders]
      outputTopics: [orders-enriched]
      deadLetterTopics: [orders-dlq]
      stages: [parse, enrich, filter, format]
      stageConcurrency: { enrich: 4 }
engines:
  - type: flink
    name: flink-prod
    url: http://flink-jobmanager:8081
    intervalSeconds: 15
    timeoutMs: 5000
  - type: storm
    name: storm-prod
    url: http://storm-ui:8080
    headers: { Authorization: { env: STORM_UI_AUTHORIZATION } }
    windowSeconds: 600
`;
