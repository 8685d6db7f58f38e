// The one schema of tailer.yaml. Every object is closed (additionalProperties: false) so a typo is an
// error, and every default lives here so the rest of the code never guesses.

const positiveInt = { type: 'integer', minimum: 1 } as const;
const nonNegativeInt = { type: 'integer', minimum: 0 } as const;
const labelMap = {
  type: 'object',
  propertyNames: { pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' },
  additionalProperties: { type: 'string', maxLength: 2048 },
  default: {},
} as const;

const tls = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ca: { type: 'string', description: 'path to a PEM CA bundle' },
    cert: { type: 'string', description: 'path to a PEM client certificate' },
    key: { type: 'string', description: 'path to the PEM key of the client certificate' },
    rejectUnauthorized: { type: 'boolean', default: true },
  },
} as const;

const batch = (maxBytes: number, maxWaitMs: number) =>
  ({
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      maxBytes: { ...positiveInt, default: maxBytes },
      maxWaitMs: { ...positiveInt, default: maxWaitMs },
    },
  }) as const;

const retry = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    initialMs: { ...positiveInt, default: 250 },
    maxMs: { ...positiveInt, default: 30_000 },
    // App lines whose delivery keeps failing past this go to the dead-letter file; audit lines never do.
    maxElapsedMs: { ...nonNegativeInt, default: 0, description: '0 = retry forever' },
  },
} as const;

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['inputs', 'sinks', 'checkpoint'],
  properties: {
    inputs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'paths'],
        properties: {
          name: { type: 'string', pattern: '^[a-zA-Z0-9_-]+$' },
          paths: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
          exclude: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
          stream: { enum: ['app', 'audit'], default: 'app' },
          service: { type: 'string', description: 'service name when a line has none' },
          labels: labelMap,
        },
      },
    },
    sinks: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        loki: {
          type: 'object',
          additionalProperties: false,
          required: ['url'],
          properties: {
            url: { type: 'string', pattern: '^https?://' },
            tenant: { type: 'string', maxLength: 150 },
            encoding: { enum: ['protobuf', 'json'], default: 'protobuf' },
            auth: {
              type: 'object',
              additionalProperties: false,
              properties: {
                username: { type: 'string' },
                password: { type: 'string' },
                bearerToken: { type: 'string' },
              },
            },
            tls,
            labels: labelMap,
            structuredMetadataKeys: {
              type: 'array',
              items: { type: 'string' },
              default: [
                'trace_id',
                'span_id',
                'correlation_id',
                'trace_flags',
                'event.action',
                'event.outcome',
              ],
            },
            timeoutMs: { ...positiveInt, default: 10_000 },
            batch: batch(1_048_576, 500),
            retry,
          },
        },
        elasticsearch: {
          type: 'object',
          additionalProperties: false,
          required: ['url'],
          properties: {
            url: { type: 'string', pattern: '^https?://' },
            auth: {
              type: 'object',
              additionalProperties: false,
              properties: {
                apiKey: { type: 'string' },
                username: { type: 'string' },
                password: { type: 'string' },
              },
            },
            tls,
            indexPrefix: {
              type: 'object',
              additionalProperties: false,
              default: {},
              properties: {
                app: { type: 'string', pattern: '^[a-z0-9][a-z0-9_.-]*$', default: 'tracetail-logs' },
                audit: { type: 'string', pattern: '^[a-z0-9][a-z0-9_.-]*$', default: 'tracetail-audit' },
              },
            },
            installTemplate: { type: 'boolean', default: true },
            timeoutMs: { ...positiveInt, default: 30_000 },
            batch: batch(2_097_152, 500),
            retry,
          },
        },
      },
    },
    reader: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxLineBytes: { type: 'integer', minimum: 1024, default: 262_144 },
        chunkBytes: { type: 'integer', minimum: 4096, default: 262_144 },
        partialLineFlushMs: { ...nonNegativeInt, default: 5_000, description: '0 = wait forever' },
        fingerprintBytes: { type: 'integer', minimum: 16, maximum: 65_536, default: 1024 },
        maxOpenFiles: { ...positiveInt, default: 256 },
        closeInactiveMs: { ...positiveInt, default: 300_000 },
        rotatedGraceMs: { ...nonNegativeInt, default: 5_000 },
      },
    },
    discovery: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        sweepIntervalMs: { type: 'integer', minimum: 50, default: 1_000 },
        watch: { type: 'boolean', default: true },
      },
    },
    pipeline: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxBufferedBytes: { type: 'integer', minimum: 65_536, default: 4_194_304 },
      },
    },
    checkpoint: {
      type: 'object',
      additionalProperties: false,
      required: ['path'],
      properties: {
        path: { type: 'string', minLength: 1 },
        intervalMs: {
          ...positiveInt,
          default: 100,
          description: 'minimum gap between two checkpoint writes; each acknowledgement triggers one',
        },
      },
    },
    deadLetter: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        path: { type: 'string', minLength: 1, description: 'default: <checkpoint dir>/dead-letter.jsonl' },
        maxBytes: { ...positiveInt, default: 1_073_741_824 },
      },
    },
    server: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'integer', minimum: 0, maximum: 65_535, default: 9464 },
      },
    },
    shutdown: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { deadlineMs: { ...positiveInt, default: 10_000 } },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { level: { enum: ['debug', 'info', 'warn', 'error'], default: 'info' } },
    },
  },
} as const;
