/**
 * The pack-server role: serves the tools of its packs over MCP, each call executed against the pack's
 * upstream API. No caller authentication here: the NetworkPolicy admits only the gateway, and the pack
 * server never receives or forwards the agent's token.
 */
import type http from 'node:http';
import { type Environment, exposedToolName, type Pack } from '@raku/config';
import type { SecretSource } from '@raku/pack-runtime';
import { PackExecutor, UnknownToolError } from '@raku/pack-runtime';
import { ANONYMOUS } from '../auth/caller.ts';
import { createMcpEndpoint, type ToolCatalog, ToolNotFound } from '../mcp/tool-endpoint.ts';
import { annotateCallSpan } from '../telemetry/call-attributes.ts';
import { closeServer, createHttpServer, isLoopback, listen } from './http-server.ts';
import { type CallLabels, createMetrics, type RuntimeMetrics, recordCall } from './metrics.ts';

export interface PackServerOptions {
  packs: readonly Pack[];
  environment: Environment;
  secrets: SecretSource;
  /** See PackExecutorOptions.allowPrivateNetworks. Default false. */
  allowPrivateNetworks?: boolean;
  /** See McpEndpointOptions.hotPath. Default true. */
  mcpHotPath?: boolean;
  port: number;
  /** Default 127.0.0.1; the manifests set 0.0.0.0. */
  host?: string;
  metrics?: RuntimeMetrics;
  version?: string;
  onerror?: (error: Error) => void;
}

export interface RunningServer {
  url: string;
  server: http.Server;
  metrics: RuntimeMetrics;
  close(): Promise<void>;
}

/**
 * A catalog over a pack executor, counting calls in the metrics, labelled with the tool's pack and version
 * (zone: empty, a pack server does not know it; the scrape target's namespace does).
 */
export function packCatalog(
  executor: PackExecutor,
  metrics: RuntimeMetrics,
  packs: readonly Pack[],
): ToolCatalog {
  const labels = new Map<string, CallLabels>();
  for (const pack of packs) {
    for (const tool of pack.tools) {
      const name = exposedToolName(pack, tool);
      labels.set(name, { tool: name, zone: '', pack: pack.name, pack_version: pack.version });
    }
  }
  return {
    listTools: () => executor.tools(),
    async callTool(name, args, _caller, signal, request) {
      const started = performance.now();
      let status = 'error';
      try {
        // Traced under the pack server's request span, when there is one.
        const outcome = await executor.execute(name, args, signal, request?.span, {
          ...(request?.onProgress ? { onProgress: request.onProgress } : {}),
          ...(request?.a2aTask ? { a2aTask: request.a2aTask } : {}),
        });
        status = outcome.status;
        return outcome.result;
      } catch (err) {
        if (err instanceof UnknownToolError) {
          status = 'unknown_tool';
          throw new ToolNotFound(err.message);
        }
        throw err;
      } finally {
        const known = labels.get(name) ?? { tool: '(unknown)', zone: '', pack: '', pack_version: '' };
        annotateCallSpan(request?.span, { pack: known.pack, packVersion: known.pack_version, status });
        recordCall(metrics, known, status, (performance.now() - started) / 1000);
      }
    },
  };
}

export async function startPackServer(options: PackServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const metrics = options.metrics ?? createMetrics();
  const executor = new PackExecutor(options.packs, {
    environment: options.environment,
    secrets: options.secrets,
    allowPrivateNetworks: options.allowPrivateNetworks === true,
  });
  const mcp = createMcpEndpoint(packCatalog(executor, metrics, options.packs), {
    name: `raku-pack-server:${options.packs.map((p) => p.name).join('+')}`,
    version: options.version ?? '0.1.0',
    ...(options.mcpHotPath === false ? { hotPath: false } : {}),
    ...(options.onerror ? { onerror: options.onerror } : {}),
  });
  const server = createHttpServer({
    mcp: (req, res) => mcp(req, res, ANONYMOUS),
    readiness: () => ({
      ready: true,
      detail: { packs: options.packs.map((p) => `${p.name}@${p.version}`), tools: executor.tools().length },
    }),
    metrics,
    localhostGuards: isLoopback(host),
    ...(options.onerror ? { onerror: options.onerror } : {}),
  });
  const address = await listen(server, options.port, host);
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/mcp`,
    server,
    metrics,
    close: () => closeServer(server),
  };
}
