// Validates Kubernetes objects against the OpenAPI-derived JSON schemas shipped by the
// kubernetes-models packages (core API, Prometheus Operator CRDs, KEDA CRDs). Those packages
// are ES modules only, so jest runs this file in a child process: it reads a JSON array of
// objects on stdin and prints a JSON array of { kind, name, error } for every object that is
// not valid or whose kind it has no schema for.
import { readFileSync } from 'node:fs';

/** Module holding the model class of an apiVersion's kinds. */
function modulePath(apiVersion, kind) {
  if (apiVersion === 'v1') return `kubernetes-models/v1/${kind}`;
  if (apiVersion.startsWith('monitoring.coreos.com/')) {
    return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  }
  if (apiVersion.startsWith('keda.sh/')) return `@kubernetes-models/keda/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

const objects = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
for (const object of objects) {
  const kind = String(object?.kind);
  const name = String(object?.metadata?.name);
  let Model;
  try {
    Model = (await import(modulePath(String(object?.apiVersion), kind)))[kind];
  } catch {
    Model = undefined;
  }
  if (typeof Model !== 'function') {
    problems.push({ kind, name, error: `no schema for ${String(object?.apiVersion)} ${kind}` });
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push({ kind, name, error: error instanceof Error ? error.message : String(error) });
  }
}
process.stdout.write(JSON.stringify(problems));
