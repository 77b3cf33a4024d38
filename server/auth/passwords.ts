/**
 * Password hashing and policy. Hashes are argon2id with the OWASP Password Storage Cheat Sheet minimum
 * (m = 19 MiB, t = 2, p = 1), about 50–100 ms each on a server core. The policy follows ASVS 2.1: at least 10
 * characters, at most 128 bytes of UTF-8 (argon2 has no length limit, but an unbounded input is a cheap DoS), no
 * composition rules, and not the user id itself.
 */
import argon2 from 'argon2';

/** OWASP parameters for argon2id. */
export const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const PASSWORD_MIN_CHARS = 10;
export const PASSWORD_MAX_BYTES = 128;

export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

/** True if the password matches the PHC hash; false for a wrong password or a hash that cannot be read. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** True if the hash was made with other parameters than today's (rehash it after a successful login). */
export function needsRehash(hash: string): boolean {
  try {
    return argon2.needsRehash(hash, ARGON2_OPTIONS);
  } catch {
    return true;
  }
}

let dummy: Promise<string> | undefined;

/**
 * A hash of a random password made with the current parameters, verified when the user is unknown or has no
 * password, so an unknown account costs as much time as a wrong password.
 */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(`dummy-${Math.random()}-${Date.now()}`);
  return dummy;
}

/** Why the password does not meet the policy, in both languages; undefined when it does. */
export function passwordProblem(password: string, userId?: string): { zh: string; en: string } | undefined {
  if ([...password].length < PASSWORD_MIN_CHARS)
    return {
      zh: `密码至少 ${PASSWORD_MIN_CHARS} 个字符`,
      en: `The password needs at least ${PASSWORD_MIN_CHARS} characters`,
    };
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES)
    return {
      zh: `密码不能超过 ${PASSWORD_MAX_BYTES} 字节`,
      en: `The password must not exceed ${PASSWORD_MAX_BYTES} bytes`,
    };
  if (userId && password.toLowerCase() === userId.toLowerCase())
    return { zh: '密码不能与用户名相同', en: 'The password must not be the user id' };
  return undefined;
}
