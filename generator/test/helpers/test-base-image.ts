import { encodeJson, MEDIA } from '../../release/src/build/oci-image.ts';
import type { RegistryClient } from '../../release/src/build/registry-client.ts';
import { buildLayer } from '../../release/src/build/tar-layer.ts';

/**
 * Pushes a tiny base image made here (no external registry is reachable): one layer per platform and a config
 * with PATH and a non-raku entrypoint. With two or more platforms it is an index; `docker` uses the Docker
 * schema 2 media types. Returns the digest of the top manifest.
 */
export async function pushTestBaseImage(
  client: RegistryClient,
  repository: string,
  options: { platforms?: string[]; docker?: boolean; tag?: string } = {},
): Promise<string> {
  const platforms = options.platforms ?? ['linux/amd64', 'linux/arm64'];
  const docker = options.docker === true;
  const children: { digest: string; size: number; platform: { os: string; architecture: string } }[] = [];
  let single: { bytes: Uint8Array; digest: string } | undefined;
  for (const p of platforms) {
    const [os = 'linux', architecture = 'amd64'] = p.split('/');
    const layer = buildLayer([
      { path: 'etc/os-release', content: `NAME=raku-test-base\nARCH=${architecture}\n` },
      { path: 'usr/local/bin/node', content: `#!/bin/sh\necho fake node for ${architecture}\n`, mode: 0o755 },
    ]);
    const config = encodeJson({
      architecture,
      os,
      config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_VERSION=24.0.0'], Cmd: ['node'] },
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created: '2026-01-01T00:00:00Z', created_by: 'test base' }],
    });
    await client.pushBlob(repository, layer.digest, layer.blob);
    await client.pushBlob(repository, config.digest, config.bytes);
    const manifest = encodeJson({
      schemaVersion: 2,
      mediaType: docker ? MEDIA.dockerManifest : MEDIA.ociManifest,
      config: {
        mediaType: docker ? MEDIA.dockerConfig : MEDIA.ociConfig,
        digest: config.digest,
        size: config.size,
      },
      layers: [
        {
          mediaType: docker ? MEDIA.dockerLayerGzip : MEDIA.ociLayerGzip,
          digest: layer.digest,
          size: layer.size,
        },
      ],
    });
    const mediaType = docker ? MEDIA.dockerManifest : MEDIA.ociManifest;
    if (platforms.length === 1) {
      await client.putManifest(repository, options.tag ?? manifest.digest, manifest.bytes, mediaType);
      single = manifest;
    } else {
      await client.putManifest(repository, manifest.digest, manifest.bytes, mediaType);
      children.push({ digest: manifest.digest, size: manifest.size, platform: { os, architecture } });
    }
  }
  if (single) return single.digest;
  const childType = docker ? MEDIA.dockerManifest : MEDIA.ociManifest;
  const indexType = docker ? MEDIA.dockerList : MEDIA.ociIndex;
  const index = encodeJson({
    schemaVersion: 2,
    mediaType: indexType,
    manifests: [
      ...children.map((c) => ({ mediaType: childType, ...c })),
      // An attestation entry like BuildKit writes: the builder must skip it.
      ...(docker
        ? []
        : [
            {
              mediaType: childType,
              digest: children[0]!.digest,
              size: children[0]!.size,
              platform: { os: 'unknown', architecture: 'unknown' },
            },
          ]),
    ],
  });
  await client.putManifest(repository, options.tag ?? index.digest, index.bytes, indexType);
  return index.digest;
}
