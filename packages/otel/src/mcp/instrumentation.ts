import {
  type Attributes,
  type Context,
  type Counter,
  context,
  type Histogram,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type UpDownCounter,
} from '@opentelemetry/api';
import {
  InstrumentationBase,
  type InstrumentationConfig,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';
import { Hook as RequireHook } from 'require-in-the-middle';
import { boundValue, truncateString } from '../audit/bound.ts';
import { audit } from '../audit/facade.ts';
import { redactAuditDetails } from '../audit/redaction.ts';
import { getCorrelationStore } from '../correlation/context.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_PROTOCOL_VERSION,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCP_SESSION_ID,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  AUDIT_ACTION_TOOL_CALL,
  ERROR_TYPE_TOOL_ERROR,
  GEN_AI_OPERATION_EXECUTE_TOOL,
  MCP_DURATION_BUCKETS_SECONDS,
  METRIC_MCP_SERVER_OPERATION_DURATION,
  METRIC_MCP_SERVER_SESSION_DURATION,
  METRIC_TRACETAIL_MCP_SESSIONS_ACTIVE,
  METRIC_TRACETAIL_MCP_TOOL_CALLS,
} from './semconv.ts';

export interface McpInstrumentationConfig extends InstrumentationConfig {
  /** Record tool arguments and results (redacted, truncated) on spans and audit events. Default false. */
  captureContent?: boolean;
  /** Cap on each captured value, in characters. Default 2048. */
  maxContentLength?: number;
  /** Write a `tool.call` audit event per tool call. Default true. */
  auditToolCalls?: boolean;
  /**
   * Absolute paths of the SDK's CommonJS `dist/cjs/server/index.js` the app can load (see
   * extension.ts). Hooked by path because the SDK's `exports["."]` points at a file that does not
   * exist, which makes require-in-the-middle's package-name matching give up on every SDK file.
   */
  cjsServerFiles?: readonly string[];
}

/** The parts of the SDK's JSON-RPC request and handler `extra` this instrumentation reads. */
interface McpRequest {
  method: string;
  id?: string | number;
  params?: {
    name?: unknown;
    uri?: unknown;
    arguments?: unknown;
    protocolVersion?: unknown;
    _meta?: Record<string, unknown>;
  };
}
interface McpExtra {
  sessionId?: string;
  requestId?: string | number;
  requestInfo?: unknown;
}
type RequestHandler = (this: unknown, request: McpRequest, extra: McpExtra) => unknown;
interface ServerLike {
  setRequestHandler(schema: unknown, handler: RequestHandler): unknown;
  getClientVersion?(): { name?: string; version?: string } | undefined;
  _onclose?: () => void;
}

interface ServerModule {
  Server?: { prototype: ServerLike };
}

interface McpInstruments {
  readonly operationDuration: Histogram;
  readonly sessionDuration: Histogram;
  readonly toolCalls: Counter;
  readonly sessionsActive: UpDownCounter;
}

const WRAPPED_HANDLER = Symbol.for('tracetail.mcp.wrappedHandler');
const SESSION_STATE = Symbol.for('tracetail.mcp.session');
interface SessionState {
  startedAt: number;
  attributes: Attributes;
}

// The ESM build, reached through the import hook; the CJS build is hooked by path (cjsServerFiles).
const SERVER_FILES = ['@modelcontextprotocol/sdk/dist/esm/server/index.js'];
const SUPPORTED_VERSIONS = ['>=1.0.0 <2'];

/**
 * Server-side instrumentation of `@modelcontextprotocol/sdk`: wraps every request handler the
 * server registers (`Server.prototype.setRequestHandler`, which `McpServer` also goes through), so
 * each request gets a span, duration metric and, for `tools/call`, an audit event.
 */
export class McpServerInstrumentation extends InstrumentationBase<McpInstrumentationConfig> {
  // `declare`: InstrumentationBase's constructor calls _updateMetricInstruments() before subclass
  // fields would be initialised; a real field declaration would then reset them to undefined.
  declare private instruments: McpInstruments | undefined;
  declare private cjsHooks: RequireHook[] | undefined;
  declare private patchedPrototypes: Set<ServerLike> | undefined;

  constructor(config: McpInstrumentationConfig = {}) {
    super('@tracetail/otel/mcp', '0.1.0', config);
  }

  protected override init() {
    const files = SERVER_FILES.map(
      (name) =>
        new InstrumentationNodeModuleFile(
          name,
          SUPPORTED_VERSIONS,
          (moduleExports: ServerModule) => this.patchServerModule(moduleExports),
          (moduleExports: ServerModule) => this.unpatchServerModule(moduleExports),
        ),
    );
    return [
      new InstrumentationNodeModuleDefinition(
        '@modelcontextprotocol/sdk',
        SUPPORTED_VERSIONS,
        undefined,
        undefined,
        files,
      ),
    ];
  }

  override enable(): void {
    super.enable();
    // Called from the base constructor too, before this class's own initialisation: no # fields here.
    if (this.cjsHooks !== undefined) return;
    const files = this.getConfig().cjsServerFiles ?? [];
    this.cjsHooks =
      files.length === 0
        ? []
        : [
            new RequireHook([...files], { internals: true }, (exports) => {
              this.patchServerModule(exports as ServerModule);
              return exports;
            }),
          ];
  }

  override disable(): void {
    super.disable();
    for (const hook of this.cjsHooks ?? []) hook.unhook();
    this.cjsHooks = undefined;
    for (const proto of this.patchedPrototypes ?? []) this._unwrap(proto, 'setRequestHandler');
    this.patchedPrototypes?.clear();
  }

  private patchServerModule(moduleExports: ServerModule): ServerModule {
    const proto = moduleExports.Server?.prototype;
    if (proto === undefined) return moduleExports;
    const patched = this.patchedPrototypes ?? new Set<ServerLike>();
    this.patchedPrototypes = patched;
    if (patched.has(proto)) return moduleExports;
    this._wrap(proto, 'setRequestHandler', (original) => this.#wrapSetRequestHandler(original));
    patched.add(proto);
    return moduleExports;
  }

  private unpatchServerModule(moduleExports: ServerModule): void {
    const proto = moduleExports.Server?.prototype;
    if (proto === undefined || this.patchedPrototypes?.has(proto) !== true) return;
    this._unwrap(proto, 'setRequestHandler');
    this.patchedPrototypes.delete(proto);
  }

  protected override _updateMetricInstruments(): void {
    const advice = { explicitBucketBoundaries: [...MCP_DURATION_BUCKETS_SECONDS] };
    this.instruments = {
      operationDuration: this.meter.createHistogram(METRIC_MCP_SERVER_OPERATION_DURATION, {
        unit: 's',
        description: 'MCP request duration as observed by the server, from receipt until the result is ready',
        advice,
      }),
      sessionDuration: this.meter.createHistogram(METRIC_MCP_SERVER_SESSION_DURATION, {
        unit: 's',
        description: 'Duration of MCP sessions, from initialize until close',
        advice,
      }),
      toolCalls: this.meter.createCounter(METRIC_TRACETAIL_MCP_TOOL_CALLS, {
        description: 'MCP tool calls by tool and outcome (a result with isError counts as failure)',
      }),
      sessionsActive: this.meter.createUpDownCounter(METRIC_TRACETAIL_MCP_SESSIONS_ACTIVE, {
        description: 'MCP sessions initialized and not yet closed',
      }),
    };
  }

  #wrapSetRequestHandler(original: ServerLike['setRequestHandler']): ServerLike['setRequestHandler'] {
    const instrumentation = this;
    return function setRequestHandler(this: ServerLike, schema: unknown, handler: RequestHandler) {
      if (
        typeof handler !== 'function' ||
        (handler as { [WRAPPED_HANDLER]?: boolean })[WRAPPED_HANDLER] === true
      ) {
        return original.call(this, schema, handler);
      }
      const server = this;
      const wrapped: RequestHandler = function (this: unknown, request, extra) {
        return instrumentation.#handle(server, request, extra, () => handler.call(this, request, extra));
      };
      Object.defineProperty(wrapped, WRAPPED_HANDLER, { value: true });
      return original.call(this, schema, wrapped);
    };
  }

  #handle(server: ServerLike, request: McpRequest, extra: McpExtra | undefined, run: () => unknown): unknown {
    let span: Span;
    let spanContext: Context;
    let attributes: Attributes;
    const started = performance.now();
    try {
      attributes = requestAttributes(request, extra);
      const meta = request.params?._meta;
      // The MCP conventions carry trace context in params._meta; prefer it over the HTTP parent.
      const parent =
        meta !== undefined && typeof meta.traceparent === 'string'
          ? propagation.extract(context.active(), meta)
          : context.active();
      const target = attributes[ATTR_GEN_AI_TOOL_NAME] ?? attributes[ATTR_GEN_AI_PROMPT_NAME];
      span = this.tracer.startSpan(
        target === undefined ? request.method : `${request.method} ${String(target)}`,
        { kind: SpanKind.SERVER, attributes },
        parent,
      );
      const correlation = getCorrelationStore();
      if (correlation !== undefined) span.setAttribute('correlation_id', correlation.correlationId);
      if (this.getConfig().captureContent === true && request.method === 'tools/call') {
        span.setAttribute(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, this.#captured(request.params?.arguments));
      }
      spanContext = trace.setSpan(parent, span);
    } catch {
      // Instrumentation must never stand between the client and the tool.
      return run();
    }
    return context.with(spanContext, () => {
      let pending: Promise<unknown>;
      try {
        pending = Promise.resolve(run());
      } catch (error) {
        pending = Promise.reject(error);
      }
      return pending.then(
        (result) => {
          this.#finish(server, request, extra, span, attributes, started, result, undefined);
          return result;
        },
        (error: unknown) => {
          this.#finish(server, request, extra, span, attributes, started, undefined, error);
          throw error;
        },
      );
    });
  }

  #finish(
    server: ServerLike,
    request: McpRequest,
    extra: McpExtra | undefined,
    span: Span,
    attributes: Attributes,
    started: number,
    result: unknown,
    error: unknown,
  ): void {
    try {
      const seconds = (performance.now() - started) / 1000;
      const toolError = request.method === 'tools/call' && error === undefined && isToolErrorResult(result);
      let errorType: string | undefined;
      let reason: string | undefined;
      if (error !== undefined) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'number') span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, String(code));
        errorType = typeof code === 'number' ? String(code) : errorName(error);
        reason = error instanceof Error ? error.message : String(error);
        span.recordException(error instanceof Error ? error : String(error));
      } else if (toolError) {
        errorType = ERROR_TYPE_TOOL_ERROR;
        reason = firstText(result);
      }
      if (errorType !== undefined) {
        span.setAttribute(ATTR_ERROR_TYPE, errorType);
        span.setStatus({
          code: SpanStatusCode.ERROR,
          ...(reason === undefined ? {} : { message: truncateString(reason, 256) }),
        });
      }
      if (
        this.getConfig().captureContent === true &&
        request.method === 'tools/call' &&
        result !== undefined
      ) {
        span.setAttribute(ATTR_GEN_AI_TOOL_CALL_RESULT, this.#captured(result));
      }

      const metricAttributes: Attributes = { [ATTR_MCP_METHOD_NAME]: request.method };
      const toolName = attributes[ATTR_GEN_AI_TOOL_NAME];
      if (toolName !== undefined) metricAttributes[ATTR_GEN_AI_TOOL_NAME] = toolName;
      if (errorType !== undefined) metricAttributes[ATTR_ERROR_TYPE] = errorType;
      this.instruments?.operationDuration.record(seconds, metricAttributes);

      if (request.method === 'initialize' && error === undefined) this.#openSession(server, attributes);
      if (request.method === 'tools/call') {
        const outcome = errorType === undefined ? 'success' : 'failure';
        this.instruments?.toolCalls.add(1, {
          [ATTR_GEN_AI_TOOL_NAME]: String(toolName ?? 'unknown'),
          outcome,
        });
        if (this.getConfig().auditToolCalls !== false) {
          this.#auditToolCall(server, request, extra, outcome, seconds, reason, result);
        }
      }
    } catch {
      // Never let telemetry change the response.
    } finally {
      span.end();
    }
  }

  #auditToolCall(
    server: ServerLike,
    request: McpRequest,
    extra: McpExtra | undefined,
    outcome: 'success' | 'failure',
    seconds: number,
    reason: string | undefined,
    result: unknown,
  ): void {
    const client = safeClientInfo(server);
    const details: Record<string, unknown> = {
      'jsonrpc.request.id': String(extra?.requestId ?? request.id ?? ''),
    };
    if (this.getConfig().captureContent === true) {
      details.arguments = this.#boundedContent(request.params?.arguments);
      if (result !== undefined) details.result = this.#boundedContent(result);
    }
    audit.record({
      action: AUDIT_ACTION_TOOL_CALL,
      outcome,
      category: 'api',
      tool_name: String(request.params?.name ?? 'unknown'),
      ...(client === undefined ? {} : { client }),
      ...(extra?.sessionId === undefined ? {} : { session_id: extra.sessionId }),
      duration_ms: Math.round(seconds * 1e6) / 1e3,
      ...(reason === undefined ? {} : { reason: truncateString(reason, 512) }),
      details,
    });
  }

  #openSession(server: ServerLike, attributes: Attributes): void {
    const holder = server as ServerLike & { [SESSION_STATE]?: SessionState };
    if (holder[SESSION_STATE] !== undefined) return;
    const sessionAttributes: Attributes = {};
    for (const key of [ATTR_MCP_PROTOCOL_VERSION, ATTR_NETWORK_TRANSPORT]) {
      if (attributes[key] !== undefined) sessionAttributes[key] = attributes[key];
    }
    holder[SESSION_STATE] = { startedAt: performance.now(), attributes: sessionAttributes };
    this.instruments?.sessionsActive.add(1);
    // Protocol calls this._onclose() when its transport closes (DELETE, disconnect, server.close()).
    const originalOnClose = holder._onclose;
    if (typeof originalOnClose !== 'function') return;
    const instrumentation = this;
    holder._onclose = function (this: ServerLike) {
      const state = holder[SESSION_STATE];
      if (state !== undefined) {
        holder[SESSION_STATE] = undefined;
        delete holder._onclose;
        instrumentation.instruments?.sessionsActive.add(-1);
        instrumentation.instruments?.sessionDuration.record(
          (performance.now() - state.startedAt) / 1000,
          state.attributes,
        );
      }
      return originalOnClose.call(this);
    };
  }

  #boundedContent(value: unknown): unknown {
    const limit = this.getConfig().maxContentLength ?? 2048;
    const bounded = boundValue(value, { maxStringLength: limit, maxDepth: 6, maxKeys: 64 });
    return typeof bounded === 'object' && bounded !== null && !Array.isArray(bounded)
      ? redactAuditDetails(bounded as Record<string, unknown>)
      : bounded;
  }

  #captured(value: unknown): string {
    const limit = this.getConfig().maxContentLength ?? 2048;
    try {
      return capString(JSON.stringify(this.#boundedContent(value)) ?? 'undefined', limit);
    } catch {
      return '[unserializable]';
    }
  }
}

/** Like truncateString, but the result (marker included) never exceeds `max` characters. */
function capString(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = `…[truncated ${text.length} chars]`;
  return `${text.slice(0, Math.max(0, max - marker.length))}${marker}`;
}

function requestAttributes(request: McpRequest, extra: McpExtra | undefined): Attributes {
  const attributes: Attributes = {
    [ATTR_MCP_METHOD_NAME]: request.method,
    [ATTR_JSONRPC_PROTOCOL_VERSION]: '2.0',
  };
  const requestId = extra?.requestId ?? request.id;
  if (requestId !== undefined) attributes[ATTR_JSONRPC_REQUEST_ID] = String(requestId);
  if (extra?.sessionId !== undefined) attributes[ATTR_MCP_SESSION_ID] = extra.sessionId;
  // Streamable HTTP hands requestInfo (headers) to handlers; stdio does not.
  if (extra?.requestInfo !== undefined) {
    attributes[ATTR_NETWORK_TRANSPORT] = 'tcp';
    attributes[ATTR_NETWORK_PROTOCOL_NAME] = 'http';
  } else {
    attributes[ATTR_NETWORK_TRANSPORT] = 'pipe';
  }
  const params = request.params;
  if (request.method === 'tools/call' && typeof params?.name === 'string') {
    attributes[ATTR_GEN_AI_TOOL_NAME] = params.name;
    attributes[ATTR_GEN_AI_OPERATION_NAME] = GEN_AI_OPERATION_EXECUTE_TOOL;
  }
  if (request.method === 'prompts/get' && typeof params?.name === 'string') {
    attributes[ATTR_GEN_AI_PROMPT_NAME] = params.name;
  }
  if (typeof params?.uri === 'string') attributes[ATTR_MCP_RESOURCE_URI] = params.uri;
  if (request.method === 'initialize' && typeof params?.protocolVersion === 'string') {
    attributes[ATTR_MCP_PROTOCOL_VERSION] = params.protocolVersion;
  }
  return attributes;
}

function isToolErrorResult(result: unknown): boolean {
  return typeof result === 'object' && result !== null && (result as { isError?: unknown }).isError === true;
}

function firstText(result: unknown): string | undefined {
  const content = (result as { content?: unknown }).content;
  if (!Array.isArray(content)) return undefined;
  const text = content.find(
    (item): item is { type: 'text'; text: string } =>
      typeof item === 'object' && item !== null && item.type === 'text' && typeof item.text === 'string',
  );
  return text?.text;
}

function errorName(error: unknown): string {
  if (error instanceof Error) return error.constructor.name || error.name || 'Error';
  return '_OTHER';
}

function safeClientInfo(server: ServerLike): { name?: string; version?: string } | undefined {
  try {
    const info = server.getClientVersion?.();
    if (info === undefined) return undefined;
    const client: { name?: string; version?: string } = {};
    if (typeof info.name === 'string') client.name = info.name;
    if (typeof info.version === 'string') client.version = info.version;
    return client;
  } catch {
    return undefined;
  }
}
