// @grafana/grafana-foundation-sdk publishes its modules only through `exports` subpaths
// (`.../dashboard`, `.../prometheus`, ...), which this repository's `moduleResolution: node10`
// does not read. Node and jest do, so at run time the subpaths resolve as published; these
// declarations point the type checker at the same modules' typings under `dist/`.
declare module '@grafana/grafana-foundation-sdk/cog' {
  export * from '@grafana/grafana-foundation-sdk/dist/cog';
}
declare module '@grafana/grafana-foundation-sdk/common' {
  export * from '@grafana/grafana-foundation-sdk/dist/common';
}
declare module '@grafana/grafana-foundation-sdk/dashboard' {
  export * from '@grafana/grafana-foundation-sdk/dist/dashboard';
}
declare module '@grafana/grafana-foundation-sdk/prometheus' {
  export * from '@grafana/grafana-foundation-sdk/dist/prometheus';
}
declare module '@grafana/grafana-foundation-sdk/timeseries' {
  export * from '@grafana/grafana-foundation-sdk/dist/timeseries';
}
declare module '@grafana/grafana-foundation-sdk/stat' {
  export * from '@grafana/grafana-foundation-sdk/dist/stat';
}
declare module '@grafana/grafana-foundation-sdk/bargauge' {
  export * from '@grafana/grafana-foundation-sdk/dist/bargauge';
}
declare module '@grafana/grafana-foundation-sdk/table' {
  export * from '@grafana/grafana-foundation-sdk/dist/table';
}
declare module '@grafana/grafana-foundation-sdk/statushistory' {
  export * from '@grafana/grafana-foundation-sdk/dist/statushistory';
}
