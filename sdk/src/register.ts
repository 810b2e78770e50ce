/**
 * Zero-code entry point: `node --require @streamops/sdk/register app.js` (or
 * `--import @streamops/sdk/register` for ESM apps) instruments kafkajs before the app
 * loads it, sets up @opentelemetry/sdk-node from the OTEL_* variables and serves
 * `/metrics` on `STREAMOPS_METRICS_PORT` (default 9464, `off` to disable).
 *
 * Other variables: `STREAMOPS_PIPELINE` (pipeline label), `STREAMOPS_METRICS_HOST`
 * (default 0.0.0.0), `STREAMOPS_PARTITION_LABELS=true`, `STREAMOPS_OTEL=off` (the app
 * sets up OpenTelemetry itself).
 */
import { startZeroCode } from './register/zero-code';

startZeroCode();
