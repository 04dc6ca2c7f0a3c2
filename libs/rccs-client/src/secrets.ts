import { maskSecret } from '@rcp/config';
import { escapeXml } from './xml/escape';

/** Masked display form of an auth key (house rule: at most the last 2 characters are kept). */
export function maskAuthKey(authKey: string): string {
  return maskSecret(authKey) || '****';
}

/** Returns a function that replaces every occurrence of `secret` (raw and XML-escaped) in a text. */
export function secretScrubber(secret: string): (text: string) => string {
  if (!secret) return (text) => text;
  const forms = [...new Set([secret, escapeXml(secret)])].sort((a, b) => b.length - a.length);
  const mask = maskAuthKey(secret);
  return (text) => forms.reduce((acc, form) => acc.split(form).join(mask), text);
}
