// Side-effect module loaded by the preload: registers the MCP server instrumentation. It is loaded
// only when the app can resolve `@modelcontextprotocol/sdk` (see instrumentations.ts).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerInstrumentation } from '../extensions.ts';
import { appDirectories } from '../instrumentations.ts';
import { readMcpConfig } from './config.ts';
import { McpServerInstrumentation } from './instrumentation.ts';

/**
 * The ESM loader hook only intercepts listed modules, matched by bare specifier or resolved path.
 * The SDK's server class lives in an internal file that `server/mcp.js` imports relatively, so a
 * bare specifier never matches it: list the file URL of the ESM build's `server/index.js`.
 */
function esmServerFiles(): string[] {
  const files = new Set<string>();
  for (const dir of appDirectories()) {
    try {
      const cjs = createRequire(join(dir, 'noop.js')).resolve('@modelcontextprotocol/sdk/server/index.js');
      const esm = cjs.replace(/([\\/])dist\1cjs\1/, '$1dist$1esm$1');
      if (esm !== cjs && existsSync(esm)) files.add(pathToFileURL(esm).href);
    } catch {
      // Not resolvable from this directory.
    }
  }
  return [...files];
}

registerInstrumentation({
  name: 'mcp',
  modules: ['@modelcontextprotocol/sdk', ...esmServerFiles()],
  create: () => new McpServerInstrumentation(readMcpConfig()),
});
