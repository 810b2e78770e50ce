// The example's domain: orders as they arrive from a shop, a customer directory that is
// sometimes briefly unavailable, and enriched orders. Everything that looks random is a
// function of the order id, so runs are reproducible.

/** An order as the shop publishes it. */
export interface Order {
  readonly id: number;
  readonly customerId: string;
  readonly amountCents: number;
  readonly currency: 'EUR' | 'USD' | 'GBP';
}

/** An order with its customer's details, as the pipeline delivers it. */
export interface EnrichedOrder extends Order {
  readonly customerName: string;
  readonly customerTier: 'standard' | 'gold';
  readonly enrichedAt: string;
}

/** An order that cannot be processed as it is: it goes to the dead-letter topic. */
export class InvalidOrderError extends Error {
  override readonly name = 'InvalidOrderError';
}

/** The customer service failed for a moment: retrying helps. */
export class CustomerServiceUnavailableError extends Error {
  override readonly name = 'CustomerServiceUnavailableError';
}

const currencies = ['EUR', 'USD', 'GBP'] as const;

/** A well-spread, deterministic number in 0..1 for `id` and `salt`. */
function unitHash(id: number, salt: number): number {
  let value = (id * 2654435761 + salt * 40503) >>> 0;
  value = (value ^ (value >>> 15)) >>> 0;
  value = Math.imul(value, 2246822519) >>> 0;
  value = (value ^ (value >>> 13)) >>> 0;
  return value / 0x100000000;
}

/** Options of {@link orderValue}. */
export interface OrderStreamOptions {
  /** Every n-th order is malformed (a poison message); 0 for none. */
  readonly poisonEvery: number;
}

/** The value the shop publishes for order `id`: JSON, or for poison messages something that is not a valid order. */
export function orderValue(id: number, options: OrderStreamOptions): string {
  if (options.poisonEvery > 0 && id % options.poisonEvery === options.poisonEvery - 1) {
    // Alternate truncated JSON and a well-formed object with a wrong field type.
    return Math.floor(id / options.poisonEvery) % 2 === 0
      ? `{"id":${id},"customerId":"c-`
      : JSON.stringify({ id, customerId: 42, amountCents: 'ten' });
  }
  const order: Order = {
    id,
    // About one order in 400 names a customer the directory does not know.
    customerId: unitHash(id, 1) < 0.0025 ? `c-unknown-${id}` : `c-${Math.floor(unitHash(id, 2) * 500)}`,
    amountCents: 100 + Math.floor(unitHash(id, 3) * 50_000),
    currency: currencies[Math.floor(unitHash(id, 4) * currencies.length)] ?? 'EUR',
  };
  return JSON.stringify(order);
}

/** Parses and checks an order; throws {@link InvalidOrderError} naming the problem. */
export function parseOrder(value: Buffer | null): Order {
  if (value === null) throw new InvalidOrderError('the message has no value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    throw new InvalidOrderError(`the value is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null)
    throw new InvalidOrderError('the value is not a JSON object');
  const candidate = parsed as Record<string, unknown>;
  if (!Number.isInteger(candidate.id)) throw new InvalidOrderError('"id" must be an integer');
  if (typeof candidate.customerId !== 'string' || candidate.customerId === '') {
    throw new InvalidOrderError('"customerId" must be a non-empty string');
  }
  if (!Number.isInteger(candidate.amountCents) || (candidate.amountCents as number) <= 0) {
    throw new InvalidOrderError('"amountCents" must be a positive integer');
  }
  if (!currencies.includes(candidate.currency as Order['currency'])) {
    throw new InvalidOrderError(`"currency" must be one of ${currencies.join(', ')}`);
  }
  return candidate as unknown as Order;
}

/** Options of {@link CustomerDirectory}. */
export interface CustomerDirectoryOptions {
  /** Latency of one lookup in milliseconds, asked on every call (the demo varies it over time). */
  readonly latencyMs: () => number;
  /** Share of first attempts that fail with {@link CustomerServiceUnavailableError}. */
  readonly transientFailureRatio: number;
}

/** A stand-in for a remote customer service: it takes time and sometimes fails briefly. */
export class CustomerDirectory {
  constructor(private readonly options: CustomerDirectoryOptions) {}

  /** Looks up the customer of `order`; `attempt` is 1 for the first try. */
  async lookUp(order: Order, attempt: number): Promise<{ name: string; tier: 'standard' | 'gold' }> {
    const latency = this.options.latencyMs();
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    if (attempt === 1 && unitHash(order.id, 5) < this.options.transientFailureRatio) {
      throw new CustomerServiceUnavailableError(`customer service unavailable for order ${order.id}`);
    }
    if (order.customerId.startsWith('c-unknown')) {
      throw new InvalidOrderError(`unknown customer ${order.customerId}`);
    }
    const number = Number(order.customerId.slice(2));
    return { name: `Customer ${number}`, tier: number % 10 === 0 ? 'gold' : 'standard' };
  }
}
