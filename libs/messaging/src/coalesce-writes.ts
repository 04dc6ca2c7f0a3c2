/** The parts of amqplib's frame multiplexer that {@link coalesceFrameWrites} wraps (amqplib internals, checked at runtime). */
interface Muxer {
  out: { cork(): void; uncork(): void };
  _readIncoming(...args: unknown[]): unknown;
}

const COALESCED = Symbol('rcp.coalescedFrameWrites');

/**
 * Makes an amqplib connection send the frames of one multiplexer round (every channel's publishes and acks queued in
 * the same event-loop turn) with one socket write instead of one write per frame: the socket is corked for the round.
 * On a VM each socket write is a costly syscall (the bench profiles show `writev` as the largest single item), and
 * RabbitMQ reads the frames in one packet. Ordering and back-pressure are unchanged (the same writes, buffered until
 * the round ends). Takes amqp-connection-manager's `connect` event payload connection (an amqplib ChannelModel);
 * returns false, changing nothing, when amqplib's internals are not what this expects.
 */
export function coalesceFrameWrites(channelModel: unknown): boolean {
  const muxer = (channelModel as { connection?: { muxer?: Partial<Muxer> & { [COALESCED]?: true } } } | undefined)?.connection?.muxer;
  if (!muxer || muxer[COALESCED] || typeof muxer._readIncoming !== 'function' || typeof muxer.out?.cork !== 'function' || typeof muxer.out.uncork !== 'function') {
    return false;
  }
  const readIncoming = muxer._readIncoming;
  const out = muxer.out;
  muxer._readIncoming = function (this: unknown, ...args: unknown[]) {
    out.cork();
    try {
      return readIncoming.apply(this, args);
    } finally {
      out.uncork();
    }
  };
  muxer[COALESCED] = true;
  return true;
}
