/**
 * Access tokens: HS256 JWTs signed and verified with jose. Verification pins the algorithm, issuer, audience and
 * type, and requires exp, iat and jti; `alg: none`, another algorithm, a foreign issuer or audience, an expired
 * or tampered token are all refused. Claims carry only the user id: roles and org are loaded per request.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

export interface TokenSettings {
  readonly secret?: string;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
}

export interface VerifiedToken {
  readonly userId: string;
  readonly tokenId: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

const TYPE = 'at+jwt';

export class TokenService {
  private readonly key: Uint8Array;

  constructor(private readonly settings: TokenSettings) {
    this.key = settings.secret ? new TextEncoder().encode(settings.secret) : new Uint8Array(randomBytes(32));
  }

  get ttlSeconds(): number {
    return this.settings.ttlSeconds;
  }

  async issue(userId: string, nowMs: number = Date.now()): Promise<{ token: string; expiresAt: number }> {
    const iat = Math.floor(nowMs / 1000);
    const exp = iat + this.settings.ttlSeconds;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: TYPE })
      .setSubject(userId)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.key);
    return { token, expiresAt: exp * 1000 };
  }

  /** The token's user, or a reason it was refused (never throws for a bad token). */
  async verify(token: string, nowMs: number = Date.now()): Promise<VerifiedToken | { refused: string }> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        typ: TYPE,
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        maxTokenAge: this.settings.ttlSeconds + 60,
        currentDate: new Date(nowMs),
      });
      return {
        userId: String(payload.sub),
        tokenId: String(payload.jti),
        issuedAt: Number(payload.iat) * 1000,
        expiresAt: Number(payload.exp) * 1000,
      };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return { refused: 'token expired' };
      if (err instanceof joseErrors.JWTClaimValidationFailed)
        return { refused: `claim ${err.claim} invalid` };
      return { refused: 'token invalid' };
    }
  }
}
