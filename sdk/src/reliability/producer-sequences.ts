import { randomBytes } from 'node:crypto';
import { formatProducerId } from '../propagation/streamops-headers';

/** The sequence a producer writes to one topic-partition, under one producer id. */
export class PartitionSequence {
  /** Next sequence number to hand out. */
  next = 0;
  /** Header value of the current producer id. */
  producerId: string;

  constructor(
    private readonly instance: string,
    /** Bumped after a failed send; a new epoch is a new sequence for consumers. */
    public epoch: number,
  ) {
    this.producerId = formatProducerId(instance, epoch);
  }

  /**
   * Starts a new sequence. Called after a send to this partition failed: its numbers
   * may or may not be in the log, so consumers must not read the missing ones as lost.
   * Seeing the next epoch tells them so.
   */
  retire(): void {
    this.epoch++;
    this.next = 0;
    this.producerId = formatProducerId(this.instance, this.epoch);
  }
}

/** A random producer instance id: 12 lower-case hex digits, unique per process and restart. */
export function newProducerInstanceId(): string {
  return randomBytes(6).toString('hex');
}

/**
 * Per-partition sequence numbers of one producer instance. Numbers are handed out when
 * kafkajs partitions a message (or when the message names its partition), so each
 * topic-partition gets a gap-free sequence in the order of assignment.
 */
export class ProducerSequences {
  private readonly topics = new Map<string, PartitionSequence[]>();

  constructor(readonly instance: string = newProducerInstanceId()) {}

  /** The sequence of one topic-partition, created at epoch 0. */
  partition(topic: string, partition: number): PartitionSequence {
    let partitions = this.topics.get(topic);
    if (partitions === undefined) {
      partitions = [];
      this.topics.set(topic, partitions);
    }
    let sequence = partitions[partition];
    if (sequence === undefined) {
      sequence = new PartitionSequence(this.instance, 0);
      partitions[partition] = sequence;
    }
    return sequence;
  }
}
