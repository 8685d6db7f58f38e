// Side-effect imports of modules that extend the SDK (see extensions.ts). Each registers its
// instrumentations, HTTP hooks, log enrichers, readiness checks or shutdown tasks when imported.
// Keep this list short and the modules cheap to import: it runs at every process start.
import './correlation/extension.ts';
import './audit/extension.ts';
import './mcp/extension.ts';
