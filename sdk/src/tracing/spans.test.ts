import { errorTypeOf, OTHER_ERROR_TYPE } from './spans';

class PoisonMessageError extends Error {}

describe('errorTypeOf', () => {
  it('uses the class name of errors', () => {
    expect(errorTypeOf(new TypeError('x'))).toBe('TypeError');
    expect(errorTypeOf(new PoisonMessageError('x'))).toBe('PoisonMessageError');
    expect(errorTypeOf(new Error('x'))).toBe('Error');
    const named = new Error('x');
    named.name = 'KafkaJSNumberOfRetriesExceeded';
    expect(errorTypeOf(named)).toBe('KafkaJSNumberOfRetriesExceeded');
  });

  it('falls back to _OTHER for non-errors and unusable names', () => {
    expect(errorTypeOf('boom')).toBe(OTHER_ERROR_TYPE);
    expect(errorTypeOf(undefined)).toBe(OTHER_ERROR_TYPE);
    const odd = new Error('x');
    odd.name = 'has spaces and {braces}';
    expect(errorTypeOf(odd)).toBe(OTHER_ERROR_TYPE);
  });
});
