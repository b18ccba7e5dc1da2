/** The SIP message layer: text <-> typed messages (RFC 3261 §7, §18.3, §19, §20, §25). */
export { SipParseError, type SipParseErrorOptions } from './errors.js';
export { SipHeaders, type HeaderInit } from './headers.js';
export { canonicalHeaderName, isListHeader } from './header-names.js';
export { splitList, quote, unquote, isToken } from './grammar.js';
export {
  formatSipUri,
  formatUri,
  isSipUri,
  isValidHost,
  parsePort,
  parseSipUri,
  parseUri,
  makeSipUri,
  userPartOf,
  type OtherUri,
  type Params,
  type SipUri,
  type Uri,
} from './uri.js';
export { escapeUri, unescapeUri, type UriPart } from './uri-escape.js';
export { canonicalIdentity, formatIdentity, identityMatches, identityOfUri, parseIdentity, type SipIdentity } from './identity.js';
export { addrSpecOf, formatNameAddr, isWildcardContact, parseNameAddr, qOf, tagOf, type NameAddr } from './name-addr.js';
export { BRANCH_MAGIC, branchOf, formatVia, hasRfc3261Branch, parseVia, type Via } from './via.js';
export { formatCSeq, parseCSeq, type CSeq } from './cseq.js';
export { expiresOrDefault, parseContentLength, parseDeltaSeconds, parseMaxForwards } from './scalars.js';
export { SIP_VERSION, SipRequest, SipResponse, type SipMessage } from './message.js';
export { parseMessage, readMessage, type ParseOptions, type ParseResult } from './parse-message.js';
export { validateMessage } from './validate-message.js';
export { serialiseMessage, startLineOf } from './serialise.js';
export { buildRequest, newBranch, newCallId, newFromTag, newTagFor, sameTransactionRequest } from './build-request.js';
export { createResponse, newTag, type ResponseOptions } from './response.js';
export { reasonPhrase } from './reason-phrases.js';
export { canReplyTo, createErrorResponse } from './malformed.js';
export { StreamFramer, type FramerEvent, type FramerLimits } from './framer.js';
