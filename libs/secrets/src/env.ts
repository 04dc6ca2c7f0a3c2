import { z } from 'zod';
import { Keyring } from './keyring';

/**
 * zod schema of `<PREFIX>_KEYS` (`kind: 'inline'`) or `<PREFIX>_KEYS_FILE` (`kind: 'file'`): optional, and when set
 * validated at boot (format, 32-byte keys, unique ids; the file must be readable). Messages never echo key material.
 */
export function keyringEnvVar(prefix: string, kind: 'inline' | 'file') {
  return z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (!value || !value.trim()) return;
      try {
        Keyring.fromEnv(prefix, kind === 'inline' ? { [`${prefix}_KEYS`]: value } : { [`${prefix}_KEYS_FILE`]: value });
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^[A-Z_]+_KEYS(_FILE)?: /, '') });
      }
    });
}

/** The keyring configured under `prefix`, or undefined when neither `<PREFIX>_KEYS` nor `<PREFIX>_KEYS_FILE` is set. */
export function optionalKeyring(prefix: string, env: Record<string, string | undefined>): Keyring | undefined {
  const set = (v: string | undefined) => v !== undefined && v.trim() !== '';
  if (!set(env[`${prefix}_KEYS`]) && !set(env[`${prefix}_KEYS_FILE`])) return undefined;
  return Keyring.fromEnv(prefix, env);
}
