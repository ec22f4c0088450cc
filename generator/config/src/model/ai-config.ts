/**
 * The AI suggestions' model settings from environment variables (here, not in @raku/import, so that the gateway's
 * option parsing does not load the importer and the OpenAI client at start), read the same way by `raku import openapi
 * --ai` and by the gateway's import API (each passes its entry point's env: nothing here reads process.env).
 * Azure OpenAI when AZURE_OPENAI_ENDPOINT is set (with AZURE_OPENAI_API_KEY, AZURE_OPENAI_DEPLOYMENT,
 * OPENAI_API_VERSION), else OpenAI (OPENAI_API_KEY, optional OPENAI_BASE_URL, RAKU_AI_MODEL).
 */
import { UserError } from '../errors.ts';

/** Which model answers `--ai` and the console's suggestions (@raku/import's openai-enricher uses it). */
export type AiConfig =
  | { provider: 'openai'; apiKey: string; model: string; baseURL?: string; timeoutMs?: number }
  | {
      provider: 'azure';
      apiKey: string;
      endpoint: string;
      deployment: string;
      apiVersion: string;
      timeoutMs?: number;
    };

/** AI settings, or undefined when none is set; a half-set Azure configuration is a UserError naming what is missing. */
export function aiConfigFromEnv(env: Readonly<Record<string, string | undefined>>): AiConfig | undefined {
  if (env['AZURE_OPENAI_ENDPOINT']) {
    const missing = ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_DEPLOYMENT'].filter((k) => !env[k]);
    if (missing.length > 0) {
      throw new UserError(`AZURE_OPENAI_ENDPOINT is set: Azure OpenAI also needs ${missing.join(' and ')}`);
    }
    return {
      provider: 'azure',
      endpoint: env['AZURE_OPENAI_ENDPOINT'],
      apiKey: env['AZURE_OPENAI_API_KEY'] as string,
      deployment: env['AZURE_OPENAI_DEPLOYMENT'] as string,
      apiVersion: env['OPENAI_API_VERSION'] ?? env['AZURE_OPENAI_API_VERSION'] ?? '2024-10-21',
    };
  }
  if (!env['OPENAI_API_KEY']) return undefined;
  return {
    provider: 'openai',
    apiKey: env['OPENAI_API_KEY'],
    model: env['RAKU_AI_MODEL'] ?? 'gpt-4.1-mini',
    ...(env['OPENAI_BASE_URL'] ? { baseURL: env['OPENAI_BASE_URL'] } : {}),
  };
}
