// One keep-alive HTTP(S) POST with TLS options and a deadline, used by the Loki sink. node:http rather
// than fetch because client certificates and a custom CA need an https.Agent.
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { TlsConfig } from '../config/types.ts';

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
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
