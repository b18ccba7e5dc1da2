/**
 * OPTIONS to the door (RFC 3261 §11), as a test client sends it to check
 * the daemon still answers: the request text, and one exchange over a TCP
 * or TLS connection.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

/** `uriHost` is the door's host as the Request-URI writes it (`[::1]` for IPv6); `uriParams` follow its port (`;transport=tcp`). */
export function optionsRequest(port: number, branch: string, via = 'UDP 127.0.0.1:9', uriHost = '127.0.0.1', uriParams = ''): string {
  return [
    `OPTIONS sip:door@${uriHost}:${port}${uriParams} SIP/2.0`,
    `Via: SIP/2.0/${via};branch=z9hG4bK${branch};rport`,
    'Max-Forwards: 70',
    'From: <sip:fuzz@127.0.0.1>;tag=f1',
    `To: <sip:door@${uriHost}:${port}>`,
    `Call-ID: ${branch}@fuzz`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

export interface StreamOptionsTarget {
  protocol: 'tcp' | 'tls';
  /** An IP address (IPv6 unbracketed). */
  host: string;
  port: number;
  /** The branch is `z9hG4bK` + this + our local port, so a test can find it in the answer's Via. */
  branchPrefix: string;
  /** For TLS: how to check the door's certificate (e.g. `{ ca }`). */
  tls?: ConnectionOptions;
  timeoutMs?: number;
}

/**
 * One OPTIONS over a new TCP or TLS connection, its Via naming that
 * connection's local address (§18.1.1); resolves with what came back
 * once a response head has arrived, rejects after `timeoutMs` without one.
 */
export function optionsOverStream(t: StreamOptionsTarget): Promise<string> {
  const bracketed = t.host.includes(':') ? `[${t.host}]` : t.host;
  return new Promise((resolve, reject) => {
    const onConnect = () => {
      const lp = s.localPort!;
      s.write(optionsRequest(t.port, `${t.branchPrefix}${lp}`, `${t.protocol.toUpperCase()} ${bracketed}:${lp}`, bracketed, `;transport=${t.protocol}`));
    };
    const s: Socket = t.protocol === 'tls' ? tlsConnect({ host: t.host, port: t.port, ...t.tls }, onConnect) : netConnect({ host: t.host, port: t.port }, onConnect);
    let text = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer over ${t.protocol} to ${bracketed}:${t.port}; got ${JSON.stringify(text)}`));
    }, t.timeoutMs ?? 10_000);
    s.on('data', (b: Buffer) => {
      text += b.toString('utf8');
      if (text.includes('\r\n\r\n')) {
        clearTimeout(timer);
        s.end();
        resolve(text);
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
