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
function serverFiles(): { esm: string[]; cjs: string[] } {
  const esmFiles = new Set<string>();
  const cjsFiles = new Set<string>();
  for (const dir of appDirectories()) {
    try {
      const cjs = createRequire(join(dir, 'noop.js')).resolve('@modelcontextprotocol/sdk/server/index.js');
      const esm = cjs.replace(/([\\/])dist\1cjs\1/, '$1dist$1esm$1');
      cjsFiles.add(cjs);
      if (esm !== cjs && existsSync(esm)) esmFiles.add(pathToFileURL(esm).href);
    } catch {
      // Not resolvable from this directory.
    }
  }
  return { esm: [...esmFiles], cjs: [...cjsFiles] };
}

const files = serverFiles();

registerInstrumentation({
  name: 'mcp',
  modules: ['@modelcontextprotocol/sdk', ...files.esm],
  create: () => new McpServerInstrumentation({ ...readMcpConfig(), cjsServerFiles: files.cjs }),
});
