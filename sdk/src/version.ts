/** Name and version reported as the instrumentation scope of spans. Keep in step with package.json. */
export const SDK_NAME = '@streamops/sdk';
export const SDK_VERSION = '0.1.0';
