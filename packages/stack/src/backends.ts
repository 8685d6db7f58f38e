import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendName } from './obtain.ts';
import {
  collectorBinary,
  debianBinary,
  elasticsearchHome,
  elasticsearchJavaHome,
  elasticsearchUser,
  goWrapperBinary,
} from './obtain.ts';
import { repoPath } from './paths.ts';
import { isRoot } from './prerequisites.ts';
import type { Replacements } from './render-config.ts';
import { renderComposeDir } from './render-config.ts';

export type PortMap = Readonly<Record<string, number>>;

/** Everything needed to (re)start one backend process; serialisable, so another process can stop it. */
export interface LaunchPlan {
  readonly name: BackendName;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly ports: PortMap;
  readonly url: string;
  readonly readyUrl: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  /** A user the data dir is handed to before start (Elasticsearch run as a plain user by root). */
  readonly dataOwner?: string;
}

export interface PlanContext {
  readonly ports: PortMap;
  readonly dataDir: string;
  /** Ports of the other backends this one talks to (the shared stack's, else their standard ports). */
  readonly peers: (name: BackendName) => PortMap;
}

interface BackendSpec {
  readonly standardPorts: PortMap;
  readonly plan: (ctx: PlanContext) => Omit<LaunchPlan, 'name' | 'ports' | 'dataDir' | 'logFile'>;
}

const host = '127.0.0.1';
const at = (port: number | undefined): string => `${host}:${port}`;
const http = (port: number | undefined): string => `http://${host}:${port}`;

/** The documented port map (README); Compose publishes the same host ports. */
export const standardPortMap: Readonly<Record<BackendName, PortMap>> = {
  collector: { otlpGrpc: 4317, otlpHttp: 4318, metrics: 8888, promExporter: 8889, health: 13133 },
  jaeger: { otlpGrpc: 14317, otlpHttp: 14318, http: 16686, grpc: 16685, health: 13134, metrics: 14269 },
  loki: { http: 3100, grpc: 9096 },
  prometheus: { http: 9090 },
  alertmanager: { http: 9093 },
  elasticsearch: { http: 9200, transport: 9300 },
  grafana: { http: 3000 },
};

/** Compose address -> native address, for every peer Prometheus and Alertmanager talk to. */
function composeReplacements(
  ctx: PlanContext,
  self: BackendName,
  mountPoint: string,
  copyDir: string,
): Replacements {
  const replacements: Array<[string, string]> = [[mountPoint, `${copyDir}/`]];
  const peers: Array<[BackendName, string, number]> = [
    ['collector', 'promExporter', 8889],
    ['collector', 'metrics', 8888],
    ['alertmanager', 'http', 9093],
    ['prometheus', 'http', 9090],
    ['loki', 'http', 3100],
    ['jaeger', 'http', 16686],
    ['jaeger', 'metrics', 14269],
  ];
  for (const [peer, role, containerPort] of peers) {
    const port = (peer === self ? ctx.ports : ctx.peers(peer))[role];
    replacements.push([`${peer}:${containerPort}`, at(port)]);
    const standard = standardPortMap[peer][role];
    if (standard !== port) replacements.push([at(standard), at(port)]);
  }
  return replacements;
}

export const backendSpecs: Readonly<Record<BackendName, BackendSpec>> = {
  collector: {
    standardPorts: standardPortMap.collector,
    plan: ({ ports, peers }) => ({
      command: collectorBinary(),
      args: [`--config=file:${repoPath('collector', 'config.yaml')}`],
      env: {
        TT_HEALTH_ENDPOINT: at(ports.health),
        TT_OTLP_GRPC_ENDPOINT: at(ports.otlpGrpc),
        TT_OTLP_HTTP_ENDPOINT: at(ports.otlpHttp),
        TT_PROM_EXPORTER_ENDPOINT: at(ports.promExporter),
        TT_TELEMETRY_HOST: host,
        TT_TELEMETRY_PORT: String(ports.metrics),
        TT_JAEGER_OTLP_GRPC: at(peers('jaeger').otlpGrpc),
        TT_LOKI_OTLP_HTTP: `${http(peers('loki').http)}/otlp`,
      },
      cwd: repoPath(),
      url: http(ports.otlpHttp),
      readyUrl: `${http(ports.health)}/`,
      startTimeoutMs: 30_000,
      stopTimeoutMs: 10_000,
    }),
  },
  jaeger: {
    standardPorts: standardPortMap.jaeger,
    plan: ({ ports }) => ({
      command: goWrapperBinary('jaeger'),
      args: [`--config=file:${repoPath('compose', 'jaeger', 'config.yaml')}`],
      env: {
        TT_HEALTH_ENDPOINT: at(ports.health),
        TT_OTLP_GRPC_ENDPOINT: at(ports.otlpGrpc),
        TT_OTLP_HTTP_ENDPOINT: at(ports.otlpHttp),
        TT_QUERY_HTTP_ENDPOINT: at(ports.http),
        TT_QUERY_GRPC_ENDPOINT: at(ports.grpc),
        TT_TELEMETRY_HOST: host,
        TT_TELEMETRY_PORT: String(ports.metrics),
      },
      cwd: repoPath(),
      url: http(ports.http),
      readyUrl: `${http(ports.health)}/status`,
      startTimeoutMs: 30_000,
      stopTimeoutMs: 10_000,
    }),
  },
  loki: {
    standardPorts: standardPortMap.loki,
    plan: ({ ports, dataDir }) => ({
      command: goWrapperBinary('loki'),
      args: [`-config.file=${repoPath('compose', 'loki', 'config.yaml')}`, '-config.expand-env=true'],
      env: {
        TT_LOKI_HTTP_ADDRESS: host,
        TT_LOKI_HTTP_PORT: String(ports.http),
        TT_LOKI_GRPC_ADDRESS: host,
        TT_LOKI_GRPC_PORT: String(ports.grpc),
        TT_LOKI_DATA: dataDir,
      },
      cwd: dataDir,
      url: http(ports.http),
      readyUrl: `${http(ports.http)}/ready`,
      startTimeoutMs: 60_000,
      stopTimeoutMs: 15_000,
    }),
  },
  prometheus: {
    standardPorts: standardPortMap.prometheus,
    plan: (ctx) => {
      const etc = join(ctx.dataDir, 'etc');
      const config = renderComposeDir(
        repoPath('compose', 'prometheus'),
        etc,
        'prometheus.yml',
        composeReplacements(ctx, 'prometheus', '/etc/prometheus/', etc),
      );
      return {
        command: debianBinary('prometheus'),
        // Same flags as compose/docker-compose.yml, plus loopback and the data path.
        args: [
          `--config.file=${config}`,
          `--storage.tsdb.path=${join(ctx.dataDir, 'tsdb')}`,
          `--web.listen-address=${at(ctx.ports.http)}`,
          '--web.enable-lifecycle',
          '--web.enable-remote-write-receiver',
          '--enable-feature=exemplar-storage',
        ],
        env: {},
        cwd: ctx.dataDir,
        url: http(ctx.ports.http),
        readyUrl: `${http(ctx.ports.http)}/-/ready`,
        startTimeoutMs: 30_000,
        stopTimeoutMs: 15_000,
      };
    },
  },
  alertmanager: {
    standardPorts: standardPortMap.alertmanager,
    plan: (ctx) => {
      const etc = join(ctx.dataDir, 'etc');
      const config = renderComposeDir(
        repoPath('compose', 'alertmanager'),
        etc,
        'alertmanager.yml',
        composeReplacements(ctx, 'alertmanager', '/etc/alertmanager/', etc),
      );
      return {
        command: debianBinary('alertmanager'),
        args: [
          `--config.file=${config}`,
          `--storage.path=${join(ctx.dataDir, 'data')}`,
          `--web.listen-address=${at(ctx.ports.http)}`,
          // Empty: no gossip port (9094); a single local instance has no peers.
          '--cluster.listen-address=',
        ],
        env: {},
        cwd: ctx.dataDir,
        url: http(ctx.ports.http),
        readyUrl: `${http(ctx.ports.http)}/-/ready`,
        startTimeoutMs: 30_000,
        stopTimeoutMs: 10_000,
      };
    },
  },
  elasticsearch: {
    standardPorts: standardPortMap.elasticsearch,
    plan: ({ ports, dataDir }) => {
      const home = elasticsearchHome();
      const configDir = join(dataDir, 'config');
      mkdirSync(configDir, { recursive: true });
      for (const file of ['jvm.options', 'log4j2.properties'])
        copyFileSync(join(home, 'config', file), join(configDir, file));
      mkdirSync(join(configDir, 'jvm.options.d'), { recursive: true });
      copyFileSync(
        repoPath('compose', 'elasticsearch', 'elasticsearch.yml'),
        join(configDir, 'elasticsearch.yml'),
      );
      mkdirSync(join(dataDir, 'tmp'), { recursive: true });
      const esArgs = [
        '-Enetwork.host=127.0.0.1',
        `-Ehttp.port=${ports.http}`,
        `-Etransport.port=${ports.transport}`,
        `-Epath.data=${join(dataDir, 'data')}`,
        `-Epath.logs=${join(dataDir, 'logs')}`,
      ];
      const bin = join(home, 'bin', 'elasticsearch');
      return {
        // Elasticsearch refuses to run as root; as root we hand it to a plain user made for it.
        command: isRoot() ? 'runuser' : bin,
        args: isRoot() ? ['-u', elasticsearchUser, '--', bin, ...esArgs] : esArgs,
        env: {
          ES_JAVA_HOME: elasticsearchJavaHome(),
          ES_PATH_CONF: configDir,
          ES_TMPDIR: join(dataDir, 'tmp'),
          ES_JAVA_OPTS: process.env.TRACETAIL_ES_JAVA_OPTS ?? '-Xms512m -Xmx512m',
        },
        cwd: dataDir,
        url: http(ports.http),
        readyUrl: `${http(ports.http)}/_cluster/health?wait_for_status=yellow&timeout=1s`,
        startTimeoutMs: 120_000,
        stopTimeoutMs: 30_000,
        dataOwner: isRoot() ? elasticsearchUser : undefined,
      };
    },
  },
  grafana: {
    standardPorts: standardPortMap.grafana,
    plan: () => {
      throw new Error('unreachable: obtain("grafana") fails first with the reason');
    },
  },
};
