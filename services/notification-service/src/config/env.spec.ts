import { InvalidEnvironmentError } from '@rcp/config';
import { loadNotificationEnv, maxDeliveryAttempts } from './env';

describe('notification env', () => {
  it('has working defaults', () => {
    const env = loadNotificationEnv({});
    expect(env.NOTIFY_PORT).toBe(3002);
    expect(env.NOTIFY_DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/rcp_notifications');
    expect(env.SMTP_URL).toBe('smtp://127.0.0.1:2525');
    expect(env.NOTIFY_RETRY_DELAYS_MS).toEqual([5000, 30000, 120000, 600000, 1800000]);
    expect(maxDeliveryAttempts(env)).toBe(6);
  });

  it('names every bad variable without echoing values', () => {
    try {
      loadNotificationEnv({ NOTIFY_PORT: 'abc', SMTP_URL: 'not a url s3cret', NOTIFY_RETRY_DELAYS_MS: '10,x' });
      throw new Error('expected failure');
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidEnvironmentError);
      const message = (err as Error).message;
      expect(message).toContain('NOTIFY_PORT');
      expect(message).toContain('SMTP_URL');
      expect(message).toContain('NOTIFY_RETRY_DELAYS_MS');
      expect(message).not.toContain('s3cret');
    }
  });
});
