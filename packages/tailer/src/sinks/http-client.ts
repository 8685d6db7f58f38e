// One keep-alive HTTP(S) POST with TLS options and a deadline, used by the Loki sink. node:http rather
// than fetch because client certificates and a custom CA need an https.Agent.
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { TlsConfig } from '../config/types.ts';

// Certificate checks the client made (the server's certificate is not trusted or does not match).
const untrustedServer = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A TLS failure said plainly, with the config key to look at: Node's own messages ("unable to get
 * local issuer certificate") do not say it was TLS, whose certificate, or what to change. The original
 * error is the cause and its code is kept; other errors are returned unchanged.
 */
export function explainTlsError(error: Error, target: URL): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined || target.protocol !== 'https:') return error;
  // OpenSSL's errors carry a short `reason` ("tlsv13 alert certificate required"); the message is a
  // multi-line dump.
  const reason = (error as { reason?: unknown }).reason;
  const detail = typeof reason === 'string' && reason !== '' ? reason : error.message.trim();
  let text: string | undefined;
  if (untrustedServer.has(code)) {
    text = `TLS: the server certificate of ${target.host} is not trusted (${code}: ${detail}); check tls.ca`;
  } else if (code.startsWith('ERR_SSL_') || code === 'EPROTO') {
    // E.g. ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: the server wants a client certificate.
    text = `TLS: ${target.host} refused the handshake (${code}: ${detail}); check tls.cert and tls.key`;
  }
  if (text === undefined) return error;
  const explained = new Error(text, { cause: error }) as NodeJS.ErrnoException;
  explained.code = code;
  return explained;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: string;
}

export class HttpPoster {
  readonly #url: URL;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;

  constructor(url: string, timeoutMs: number, tls?: TlsConfig, maxResponseBytes = 65_536) {
    this.#url = new URL(url);
    this.#timeoutMs = timeoutMs;
    this.#maxResponseBytes = maxResponseBytes;
    if (this.#url.protocol === 'https:') {
      this.#agent = new HttpsAgent({
        keepAlive: true,
        maxSockets: 4,
        ca: tls?.ca ? readFileSync(tls.ca) : undefined,
        cert: tls?.cert ? readFileSync(tls.cert) : undefined,
        key: tls?.key ? readFileSync(tls.key) : undefined,
        rejectUnauthorized: tls?.rejectUnauthorized ?? true,
      });
    } else {
      this.#agent = new HttpAgent({ keepAlive: true, maxSockets: 4 });
    }
  }

  post(
    path: string,
    headers: Record<string, string>,
    body: Buffer,
    signal: AbortSignal,
  ): Promise<HttpResponse> {
    return this.request('POST', path, headers, body, signal);
  }

  request(
    method: 'POST' | 'PUT',
    path: string,
    headers: Record<string, string>,
    body: Buffer,
    signal: AbortSignal,
  ): Promise<HttpResponse> {
    const target = new URL(path, this.#url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        target,
        {
          method,
          agent: this.#agent,
          headers: { ...headers, 'content-length': String(body.length) },
          signal,
          timeout: this.#timeoutMs,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            // Error bodies can be long; the first few MiB say enough (a bulk reply lists every item).
            if (size < this.#maxResponseBytes) chunks.push(chunk);
            size += chunk.length;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`request timed out after ${this.#timeoutMs} ms`)));
      req.on('error', (error) => reject(explainTlsError(error, target)));
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
