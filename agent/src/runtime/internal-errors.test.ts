import { InternalErrors } from './internal-errors';

describe('InternalErrors', () => {
  it('counts every error and logs each distinct message once per source until it changes or recovers', () => {
    const lines: string[] = [];
    let now = 1000;
    const errors = new InternalErrors(
      (line) => lines.push(line),
      () => now,
    );
    errors.record('render', new Error('boom'), 'pipelines');
    errors.record('render', new Error('boom'), 'pipelines');
    errors.record('render', new Error('boom'), 'lag "prod"');
    now = 2000;
    errors.record('render', new Error('bang'), 'pipelines');
    expect(errors.counts()).toEqual({ cluster_cycle: 0, pipeline_view: 0, engine_poll: 0, render: 4 });
    expect(errors.health().render).toEqual({
      state: 'failing',
      errors: 4,
      lastError: 'pipelines: bang',
      lastErrorAtMs: 2000,
      failing: ['lag "prod"', 'pipelines'],
    });
    errors.ok('render', 'pipelines');
    errors.ok('render', 'pipelines');
    errors.ok('render', 'lag "prod"');
    errors.record('render', new Error('bang'), 'pipelines');
    expect(lines).toEqual([
      'streamops-agent: internal error (render): pipelines: boom',
      'streamops-agent: internal error (render): lag "prod": boom',
      'streamops-agent: internal error (render): pipelines: bang',
      'streamops-agent: internal error cleared (render): pipelines',
      'streamops-agent: internal error cleared (render): lag "prod"',
      'streamops-agent: internal error (render): pipelines: bang',
    ]);
    expect(errors.health().cluster_cycle).toEqual({
      state: 'ok',
      errors: 0,
      lastError: null,
      lastErrorAtMs: null,
      failing: [],
    });
  });

  it('names a part without a source by the part, and never throws when the log does', () => {
    const errors = new InternalErrors(
      () => {
        throw new Error('log is broken');
      },
      () => 5,
    );
    expect(() => errors.record('pipeline_view', 'not an Error')).not.toThrow();
    expect(errors.health().pipeline_view).toMatchObject({
      state: 'failing',
      lastError: 'not an Error',
      failing: ['pipeline_view'],
    });
  });
});
