/**
 * The import builder's routes (console part 2): GET /v1/imports/capabilities and POST
 * /v1/imports/openapi/{analysis,draft,suggestions}, admin only. Their bodies carry whole OpenAPI documents,
 * so they have their own JSON parser (up to maxDocumentBytes, 32 MiB by default, same depth and string checks
 * as the 1 MB one), mounted on these paths only.
 */
import { UserError } from '@raku/config';
import { DEFAULT_DOCUMENT_LIMITS } from '@raku/import';
import type express from 'express';
import { analyzeImport } from '../builder/import-analysis.ts';
import { draftImportChange } from '../builder/import-draft.ts';
import { readImportSource } from '../builder/import-source.ts';
import { AiFailedError, suggestImport } from '../builder/import-suggestions.ts';
import {
  AiUnavailableError,
  type ImportCapabilities,
  type ImportDraftRequest,
  ImportInputError,
  type ImportSettings,
  type ImportSource,
  type ImportSuggestionsRequest,
} from '../builder/types.ts';
import { ApiError, value } from './api-error.ts';
import { adminLargeBody } from './large-body.ts';
import { checkBody } from './request-validation.ts';
import type { RouteContext } from './types.ts';

const NO_SETTINGS: ImportSettings = { fetchUrls: false, allowPrivateNetworks: false };

export function mountImportRoutes(router: express.Router, context: RouteContext): void {
  const settings = context.deps.imports ?? NO_SETTINGS;
  const limit = settings.maxDocumentBytes ?? DEFAULT_DOCUMENT_LIMITS.maxBytes;
  const body = adminLargeBody(
    context,
    limit,
    'import routes',
    'import a smaller document, or raise RAKU_IMPORT_MAX_BYTES',
  );

  router.get('/v1/imports/capabilities', async (req, res) => {
    await context.caller(req, true);
    const answer: ImportCapabilities = {
      fetchUrls: settings.fetchUrls,
      ai: { enabled: settings.ai !== undefined, provider: settings.ai?.provider ?? null },
      maxDocumentBytes: limit,
    };
    res.json(answer);
  });

  router.post('/v1/imports/openapi/analysis', body, async (req, res) => {
    const source = value(checkBody<ImportSource>('ImportSource', req.body));
    // The config is read (files, git) while the document is parsed.
    const reading = context.deps.configRepository?.snapshot();
    reading?.catch(() => {}); // awaited below; a parse error must not leave it unhandled
    const read = await input(() => readImportSource(source, settings));
    const snapshot = await reading;
    const analysis = await input(async () => analyzeImport(read, snapshot?.files));
    res.json(analysis);
  });

  router.post('/v1/imports/openapi/draft', body, async (req, res) => {
    const request = value(checkBody<ImportDraftRequest>('ImportDraftRequest', req.body));
    const who = await context.caller(req, true);
    const repository = context.deps.configRepository;
    if (!repository)
      throw new ApiError(404, 'not_found', 'this gateway has no config repository to draft a change on');
    const read = await input(() => readImportSource(request.source, settings));
    const snapshot = await repository.snapshot();
    res.json(await input(async () => draftImportChange(read, request, snapshot, who.subject)));
  });

  router.post('/v1/imports/openapi/suggestions', body, async (req, res) => {
    const request = value(checkBody<ImportSuggestionsRequest>('ImportSuggestionsRequest', req.body));
    if (!settings.ai) {
      throw new ApiError(
        409,
        'ai_unavailable',
        'no OpenAI or Azure OpenAI is configured on this gateway (OPENAI_API_KEY, or AZURE_OPENAI_ENDPOINT with AZURE_OPENAI_API_KEY and AZURE_OPENAI_DEPLOYMENT)',
      );
    }
    const read = await input(() => readImportSource(request.source, settings));
    res.json(await input(() => suggestImport(read, request.operations, settings)));
  });
}

/** The builder's errors as API errors: bad input 400 naming the field, no AI 409, a failed model call 502. */
async function input<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ImportInputError) throw new ApiError(400, 'bad_request', err.message);
    if (err instanceof AiUnavailableError) throw new ApiError(409, 'ai_unavailable', err.message);
    if (err instanceof AiFailedError) throw new ApiError(502, 'ai_failed', err.message);
    // @raku/import's and @raku/config's UserError: bad input (a base URL that is not one, a document too large to convert).
    if (err instanceof UserError) throw new ApiError(400, 'bad_request', err.message);
    throw err;
  }
}
