import { localBrokerFileLimit, parseBrokerFileLimit } from './broker-file-limit';

describe('parseBrokerFileLimit', () => {
  it('reads the limit from rabbitmqctl status', () => {
    const status = ['File Descriptors', '', 'Total: 31, limit: 927', 'Sockets: 3, limit: 832', ''].join('\n');
    expect(parseBrokerFileLimit(status)).toBe(927);
  });

  it('is undefined when the output has no such line', () => {
    expect(parseBrokerFileLimit('Error: unable to perform an operation on node')).toBeUndefined();
  });
});

describe('localBrokerFileLimit', () => {
  it('does not ask about a broker on another machine', () => {
    expect(localBrokerFileLimit('amqp://guest:guest@rabbitmq.internal:5672')).toBeUndefined();
  });
});
