/** Client side of SIP digest authentication (RFC 3261 §22, RFC 7616, RFC 8760). */
export { DIGEST_ALGORITHMS, toDigestAlgorithm, type DigestAlgorithm } from './algorithm.js';
export { ChallengeParseError, parseChallenge, parseChallenges, type DigestChallenge } from './parse-challenge.js';
export {
  computeAuthorization,
  DigestError,
  randomCnonce,
  type AuthorizationInput,
  type DigestAuthorization,
  type DigestCredentials,
  type DigestErrorCode,
  type DigestRequest,
  type Ha1Credentials,
  type PasswordCredentials,
} from './digest.js';
export {
  DigestClient,
  type AuthorizationHeader,
  type AuthorizationHeaderName,
  type ChallengeHeaders,
  type ChallengeOutcome,
  type DigestAttempt,
  type DigestClientOptions,
} from './digest-client.js';
