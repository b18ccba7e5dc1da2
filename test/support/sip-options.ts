/** An OPTIONS to the door, as a test client sends it to check the daemon still answers. */
export function optionsRequest(port: number, branch: string, via = 'UDP 127.0.0.1:9'): string {
  return [
    `OPTIONS sip:door@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/${via};branch=z9hG4bK${branch};rport`,
    'Max-Forwards: 70',
    'From: <sip:fuzz@127.0.0.1>;tag=f1',
    `To: <sip:door@127.0.0.1:${port}>`,
    `Call-ID: ${branch}@fuzz`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}
