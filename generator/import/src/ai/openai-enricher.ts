/**
 * Adapter: asks OpenAI or Azure OpenAI for suggestions on a pack (structured outputs). Configuration comes in
 * as a typed object; only the CLI reads the environment.
 */

import type { AiConfig, Pack } from '@raku/config';
import { UserError } from '@raku/config';
import OpenAI, { AzureOpenAI } from 'openai';
import { AI_INSTRUCTIONS, aiPayload, SUGGESTIONS_SCHEMA } from './suggestions.ts';

export type { AiConfig };

/** Tools per request: a thousand-tool API is reviewed in batches that fit a model's context. */
export const AI_BATCH = 80;

/**
 * Sends the pack's payload (see aiPayload for exactly what) in batches of AI_BATCH tools and returns the
 * model's answers merged into one object (lists concatenated).
 */
export async function requestSuggestions(pack: Pack, config: AiConfig): Promise<unknown> {
  const merged: Record<string, unknown[]> = { tools: [], groups: [], suggestedSelection: [], approvals: [] };
  for (let i = 0; i < pack.tools.length; i += AI_BATCH) {
    const answer = await requestBatch({ ...pack, tools: pack.tools.slice(i, i + AI_BATCH) }, config);
    if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return answer;
    for (const key of Object.keys(merged)) {
      const list = (answer as Record<string, unknown>)[key];
      if (Array.isArray(list)) merged[key]?.push(...list);
    }
  }
  return merged;
}

async function requestBatch(pack: Pack, config: AiConfig): Promise<unknown> {
  const timeout = config.timeoutMs ?? 120_000;
  const client =
    config.provider === 'azure'
      ? new AzureOpenAI({
          apiKey: config.apiKey,
          endpoint: config.endpoint,
          deployment: config.deployment,
          apiVersion: config.apiVersion,
          timeout,
          maxRetries: 1,
        })
      : new OpenAI({
          apiKey: config.apiKey,
          ...(config.baseURL ? { baseURL: config.baseURL } : {}),
          timeout,
          maxRetries: 1,
        });
  const model = config.provider === 'azure' ? config.deployment : config.model;
  let completion: OpenAI.Chat.Completions.ChatCompletion;
  try {
    completion = await client.chat.completions.create({
      model,
      temperature: 0,
      messages: [
        { role: 'system', content: AI_INSTRUCTIONS },
        { role: 'user', content: JSON.stringify(aiPayload(pack)) },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'pack_suggestions',
          strict: true,
          schema: SUGGESTIONS_SCHEMA as unknown as Record<string, unknown>,
        },
      },
    });
  } catch (err) {
    throw new UserError(`--ai: the model request failed: ${(err as Error).message}`);
  }
  const choice = completion.choices[0];
  const text = choice?.message?.content;
  if (choice?.message?.refusal) throw new UserError(`--ai: the model refused: ${choice.message.refusal}`);
  if (!text) throw new UserError('--ai: the model returned no content');
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError('--ai: the model returned text that is not JSON');
  }
}
