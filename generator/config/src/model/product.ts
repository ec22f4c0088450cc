/**
 * The npm package that ships Raku (the root package.json's name; its bin is `raku`). The plain name `raku` on
 * npm is an unrelated package, so a config repository pins this one. A test holds it to package.json.
 */
export const RAKU_PACKAGE_NAME = 'raku-mcp';
