import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '@raku/config';
import { type ChangeSet, GATEWAY_NAME } from '@raku/render';
import { writeChangeSet } from '../fs/write-change-set.ts';
import type { ImageBuildResult } from './build-image.ts';
import type { ImagePlan } from './plan-images.ts';

const run = promisify(execFile);

export interface DockerBuildOptions {
  /** The zone's rendered output (renderZone): holds the generated Dockerfile of each workload. */
  rendered: ChangeSet;
  push: boolean;
  platforms?: readonly string[];
  /** The docker executable. Default 'docker'. */
  docker?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The generated Dockerfile of a workload in the zone's rendered output: 'pack-servers/<workload>/Dockerfile',
 * or 'gateway/Dockerfile' for raku-gateway.
 */
export function findDockerfile(rendered: ChangeSet, workload: string): string {
  const wanted = workload === GATEWAY_NAME ? 'gateway/Dockerfile' : `pack-servers/${workload}/Dockerfile`;
  if (!rendered.has(wanted)) {
    throw new UserError(`--builder docker: the generated output has no ${wanted} for workload "${workload}"`);
  }
  return wanted;
}

/** The argument array of `docker buildx build` for one planned image (no shell: arguments are never parsed). */
export function dockerBuildArgs(
  plan: ImagePlan,
  inputsTag: string,
  dockerfile: string,
  context: string,
  metadataFile: string,
  options: Pick<DockerBuildOptions, 'push' | 'platforms'>,
): string[] {
  const repo = `${plan.target.registry}/${plan.target.repository}`;
  const args = ['buildx', 'build', '--file', dockerfile, '--metadata-file', metadataFile];
  args.push(options.push ? '--push' : '--load');
  for (const tag of [...plan.target.tags, inputsTag]) args.push('--tag', `${repo}:${tag}`);
  if (options.platforms?.length) args.push('--platform', options.platforms.join(','));
  for (const [k, v] of Object.entries(plan.settings.labels).sort()) args.push('--label', `${k}=${v}`);
  args.push(context);
  return args;
}

/**
 * `--builder docker`: for users who need custom build steps in the generated Dockerfile. Writes a build context
 * (the zone's rendered files, gateway.mjs and packs/<pack>.json at its root), runs `docker buildx build`, and
 * reads the pushed digest from the metadata file buildx writes.
 */
export function dockerBuilder(
  options: DockerBuildOptions,
): (plan: ImagePlan, inputsTag: string) => Promise<ImageBuildResult> {
  return async (plan, inputsTag) => {
    const dockerfile = findDockerfile(options.rendered, plan.workload);
    const context = await mkdtemp(path.join(tmpdir(), `raku-docker-${plan.workload}-`));
    try {
      await writeChangeSet(context, options.rendered);
      for (const file of plan.layers.flatMap((l) => l.files)) {
        const rel = file.path.replace(/^app\//, '');
        await mkdir(path.dirname(path.join(context, rel)), { recursive: true });
        await writeFile(path.join(context, rel), file.content);
      }
      // The Dockerfiles copy chunks/ (the runtime's split parts), and the gateway's node_modules/ (PGlite) and
      // prisma/ (migrations): present even when a custom runtime has none, so COPY never fails on a missing source.
      for (const dir of ['chunks', 'node_modules', 'prisma'])
        await mkdir(path.join(context, dir), { recursive: true });
      const metadataFile = path.join(context, '.raku-buildx-metadata.json');
      const args = dockerBuildArgs(
        plan,
        inputsTag,
        path.join(context, dockerfile),
        context,
        metadataFile,
        options,
      );
      try {
        await run(options.docker ?? 'docker', args, {
          env: options.env ?? process.env,
          maxBuffer: 64 * 1024 * 1024,
        });
      } catch (err) {
        const e = err as { stderr?: string; message: string };
        throw new UserError(
          `docker buildx build for ${plan.workload} failed: ${(e.stderr || e.message).trim().slice(-2000)}`,
        );
      }
      const meta = JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, unknown>;
      const digest = meta['containerimage.digest'];
      if (typeof digest !== 'string')
        throw new UserError(`docker buildx wrote no containerimage.digest for ${plan.workload}`);
      return {
        reference: `${plan.target.registry}/${plan.target.repository}@${digest}`,
        repository: `${plan.target.registry}/${plan.target.repository}`,
        digest,
        tags: [...plan.target.tags, inputsTag],
        mediaType:
          typeof meta['containerimage.descriptor'] === 'object'
            ? String((meta['containerimage.descriptor'] as { mediaType?: string }).mediaType)
            : '',
        size: 0,
        platforms: [...(options.platforms ?? [])],
        baseDigest: plan.base.digest ?? '',
        alreadyPresent: false,
        blobs: { exists: 0, mounted: 0, uploaded: 0 },
      };
    } finally {
      await rm(context, { recursive: true, force: true });
    }
  };
}
